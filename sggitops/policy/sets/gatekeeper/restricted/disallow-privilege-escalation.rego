package sgdisallowprivilegeescalation

violation contains {"msg": msg} if {
	some entry in containers
	object.get(container_security_context(entry.container), "allowPrivilegeEscalation", null) != false
	msg := sprintf("securityContext.allowPrivilegeEscalation must be false: %v %q", [entry.field, entry.container.name])
}
