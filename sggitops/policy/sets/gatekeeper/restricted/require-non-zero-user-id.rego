package sgrequirenonzerouserid

violation contains {"msg": msg} if {
	object.get(pod_security_context, "runAsUser", null) == 0
	msg := "spec.securityContext.runAsUser must not be 0 (root)"
}

violation contains {"msg": msg} if {
	some entry in containers
	object.get(container_security_context(entry.container), "runAsUser", null) == 0
	msg := sprintf("runAsUser must not be 0 (root): %v %q", [entry.field, entry.container.name])
}
