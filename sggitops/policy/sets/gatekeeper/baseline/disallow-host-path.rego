package sgdisallowhostpath

violation contains {"msg": msg} if {
	some volume in object.get(pod_spec, "volumes", [])
	"hostPath" in object.keys(volume)
	msg := sprintf("hostPath volumes are not allowed: volume %q", [volume.name])
}
