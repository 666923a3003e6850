package sgrequirerunasnonroot

pod_non_root if pod_security_context.runAsNonRoot == true

violation contains {"msg": msg} if {
	some entry in containers
	object.get(container_security_context(entry.container), "runAsNonRoot", null) == false
	msg := sprintf("runAsNonRoot must not be false: %v %q", [entry.field, entry.container.name])
}

violation contains {"msg": msg} if {
	not pod_non_root
	some entry in containers
	object.get(container_security_context(entry.container), "runAsNonRoot", null) != true
	msg := sprintf("running as root is not allowed: set runAsNonRoot to true on the pod or on %v %q", [entry.field, entry.container.name])
}
