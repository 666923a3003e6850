package sgrestrictseccompprofile

allowed_types := {"RuntimeDefault", "Localhost"}

violation contains {"msg": msg} if {
	profile_type := object.get(pod_security_context, ["seccompProfile", "type"], "RuntimeDefault")
	not profile_type in allowed_types
	msg := sprintf("spec.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, not %v", [profile_type])
}

violation contains {"msg": msg} if {
	some entry in containers
	profile_type := object.get(container_security_context(entry.container), ["seccompProfile", "type"], "RuntimeDefault")
	not profile_type in allowed_types
	msg := sprintf("seccompProfile.type must be RuntimeDefault or Localhost, not %v: %v %q", [profile_type, entry.field, entry.container.name])
}
