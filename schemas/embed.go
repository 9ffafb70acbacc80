package schemas

import _ "embed"

// RunSchema is the JSON Schema of run.json.
//
//go:embed run.schema.json
var RunSchema []byte

// ConfigSchema is the JSON Schema of the config file, generated from the
// config structs (see cmd/tuneprep's TestConfigSchemaUpToDate).
//
//go:embed config.schema.json
var ConfigSchema []byte
