package sgdisallowlatesttag

# The part of an image reference after the last "/" holds the tag (a registry port is before it).
image_name(image) := parts[count(parts) - 1] if parts := split(image, "/")

violation contains {"msg": msg} if {
	some entry in containers
	not contains(image_name(entry.container.image), ":")
	not contains(entry.container.image, "@")
	msg := sprintf("image %v has no tag or digest: %v %q", [entry.container.image, entry.field, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in containers
	endswith(entry.container.image, ":latest")
	msg := sprintf("the tag latest is not allowed (%v): %v %q", [entry.container.image, entry.field, entry.container.name])
}
