package sgrequirerorootfs

violation contains {"msg": msg} if {
	some entry in containers
	entry.field != "ephemeralContainers"
	object.get(container_security_context(entry.container), "readOnlyRootFilesystem", false) != true
	msg := sprintf("securityContext.readOnlyRootFilesystem must be true: %v %q", [entry.field, entry.container.name])
}
