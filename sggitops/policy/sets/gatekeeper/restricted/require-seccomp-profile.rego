package sgrequireseccompprofile

allowed_types := {"RuntimeDefault", "Localhost"}

pod_profile_set if object.get(pod_security_context, ["seccompProfile", "type"], "") in allowed_types

violation contains {"msg": msg} if {
	profile_type := object.get(pod_security_context, ["seccompProfile", "type"], "")
	profile_type != ""
	not profile_type in allowed_types
	msg := sprintf("spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, not %v", [profile_type])
}

violation contains {"msg": msg} if {
	some entry in containers
	profile_type := object.get(container_security_context(entry.container), ["seccompProfile", "type"], "")
	profile_type != ""
	not profile_type in allowed_types
	msg := sprintf("seccompProfile.type must be RuntimeDefault or Localhost, not %v: %v %q", [profile_type, entry.field, entry.container.name])
}

violation contains {"msg": msg} if {
	not pod_profile_set
	some entry in containers
	object.get(container_security_context(entry.container), ["seccompProfile", "type"], "") == ""
	msg := sprintf("a seccomp profile is required: set seccompProfile.type on the pod or on %v %q", [entry.field, entry.container.name])
}
