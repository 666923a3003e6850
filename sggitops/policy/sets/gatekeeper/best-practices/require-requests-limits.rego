package sgrequirerequestslimits

required := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

violation contains {"msg": msg} if {
	some entry in containers
	entry.field != "ephemeralContainers"
	some path in required
	object.get(object.get(entry.container, "resources", {}), path, "") == ""
	msg := sprintf("resources.%v.%v is required: %v %q", [path[0], path[1], entry.field, entry.container.name])
}
