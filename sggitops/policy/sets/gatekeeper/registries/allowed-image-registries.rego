package sgallowedimageregistries

allowed(image) if {
	some registry in object.get(input.parameters, "registries", [])
	startswith(image, concat("", [registry, "/"]))
}

violation contains {"msg": msg} if {
	some entry in containers
	not allowed(entry.container.image)
	msg := sprintf("image %v is not from an allowed registry %v: %v %q", [entry.container.image, object.get(input.parameters, "registries", []), entry.field, entry.container.name])
}
