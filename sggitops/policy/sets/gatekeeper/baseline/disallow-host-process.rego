package sgdisallowhostprocess

violation contains {"msg": msg} if {
	object.get(pod_security_context, ["windowsOptions", "hostProcess"], false) == true
	msg := "Windows HostProcess pods are not allowed: spec.securityContext.windowsOptions.hostProcess is true"
}

violation contains {"msg": msg} if {
	some entry in containers
	object.get(container_security_context(entry.container), ["windowsOptions", "hostProcess"], false) == true
	msg := sprintf("Windows HostProcess containers are not allowed: %v %q", [entry.field, entry.container.name])
}
