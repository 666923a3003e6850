package sgdisallowcapabilities

baseline_capabilities := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

violation contains {"msg": msg} if {
	some entry in containers
	some capability in object.get(container_security_context(entry.container), ["capabilities", "add"], [])
	not capability in baseline_capabilities
	msg := sprintf("capability %v is not in the baseline set: %v %q", [capability, entry.field, entry.container.name])
}
