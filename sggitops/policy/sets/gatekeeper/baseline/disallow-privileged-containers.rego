package sgdisallowprivilegedcontainers

violation contains {"msg": msg} if {
	some entry in containers
	container_security_context(entry.container).privileged == true
	msg := sprintf("privileged mode is not allowed: %v %q sets securityContext.privileged", [entry.field, entry.container.name])
}
