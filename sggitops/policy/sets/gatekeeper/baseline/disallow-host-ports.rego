package sgdisallowhostports

violation contains {"msg": msg} if {
	some entry in containers
	some port in object.get(entry.container, "ports", [])
	object.get(port, "hostPort", 0) != 0
	msg := sprintf("host ports are not allowed: %v %q uses hostPort %v", [entry.field, entry.container.name, port.hostPort])
}
