package sgrestrictvolumekinds

allowed_fields := {
	"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
	"persistentVolumeClaim", "projected", "secret",
}

violation contains {"msg": msg} if {
	some volume in object.get(pod_spec, "volumes", [])
	some field in object.keys(volume)
	not field in allowed_fields
	msg := sprintf("volume type %v is not allowed: volume %q", [field, volume.name])
}
