package sgrequireprobes

violation contains {"msg": msg} if {
	some container in object.get(pod_spec, "containers", [])
	some probe in ["livenessProbe", "readinessProbe"]
	not probe in object.keys(container)
	msg := sprintf("%v is required: container %q", [probe, container.name])
}
