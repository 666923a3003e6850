"""JSON Schemas written by sggitops, shipped in the wheel as sggitops.schemas."""
