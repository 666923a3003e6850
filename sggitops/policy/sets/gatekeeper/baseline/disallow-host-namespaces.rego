package sgdisallowhostnamespaces

violation contains {"msg": msg} if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	object.get(pod_spec, field, false) == true
	msg := sprintf("sharing the host namespaces is not allowed: spec.%v is true", [field])
}
