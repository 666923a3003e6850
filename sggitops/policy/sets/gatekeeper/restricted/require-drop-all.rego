package sgrequiredropall

violation contains {"msg": msg} if {
	some entry in containers
	drop := object.get(container_security_context(entry.container), ["capabilities", "drop"], [])
	not "ALL" in drop
	msg := sprintf("capabilities.drop must contain ALL: %v %q", [entry.field, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in containers
	some capability in object.get(container_security_context(entry.container), ["capabilities", "add"], [])
	capability != "NET_BIND_SERVICE"
	msg := sprintf("only NET_BIND_SERVICE may be added, not %v: %v %q", [capability, entry.field, entry.container.name])
}
