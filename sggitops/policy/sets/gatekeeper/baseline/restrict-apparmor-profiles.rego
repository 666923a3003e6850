package sgrestrictapparmorprofiles

allowed_profile_types := {"RuntimeDefault", "Localhost"}

violation contains {"msg": msg} if {
	some key, value in object.get(pod_metadata, "annotations", {})
	startswith(key, "container.apparmor.security.beta.kubernetes.io/")
	value != "runtime/default"
	not startswith(value, "localhost/")
	msg := sprintf("AppArmor annotation %v must be runtime/default or localhost/<profile>, not %v", [key, value])
}

violation contains {"msg": msg} if {
	profile_type := object.get(pod_security_context, ["appArmorProfile", "type"], "RuntimeDefault")
	not profile_type in allowed_profile_types
	msg := sprintf("spec.securityContext.appArmorProfile.type must be RuntimeDefault or Localhost, not %v", [profile_type])
}

violation contains {"msg": msg} if {
	some entry in containers
	profile_type := object.get(container_security_context(entry.container), ["appArmorProfile", "type"], "RuntimeDefault")
	not profile_type in allowed_profile_types
	msg := sprintf("appArmorProfile.type must be RuntimeDefault or Localhost, not %v: %v %q", [profile_type, entry.field, entry.container.name])
}
