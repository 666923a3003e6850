package sgrestrictselinuxoptions

allowed_types := {"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

selinux_options contains {"where": "spec.securityContext", "options": options} if {
	options := pod_security_context.seLinuxOptions
}

selinux_options contains {"where": sprintf("%v %q", [entry.field, entry.container.name]), "options": options} if {
	some entry in containers
	options := container_security_context(entry.container).seLinuxOptions
}

violation contains {"msg": msg} if {
	some item in selinux_options
	selinux_type := object.get(item.options, "type", "container_t")
	not selinux_type in allowed_types
	msg := sprintf("seLinuxOptions.type %v is not allowed: %v", [selinux_type, item.where])
}

violation contains {"msg": msg} if {
	some item in selinux_options
	some field in ["user", "role"]
	field in object.keys(item.options)
	msg := sprintf("seLinuxOptions.%v must not be set: %v", [field, item.where])
}
