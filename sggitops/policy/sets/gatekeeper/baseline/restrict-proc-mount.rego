package sgrestrictprocmount

violation contains {"msg": msg} if {
	some entry in containers
	proc_mount := object.get(container_security_context(entry.container), "procMount", "Default")
	proc_mount != "Default"
	msg := sprintf("procMount must be Default, not %v: %v %q", [proc_mount, entry.field, entry.container.name])
}
