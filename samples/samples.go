// Package samples embeds the sample inputs and their config, so that
// `tuneprep run` works out of the box on any machine.
package samples

import (
	"embed"
	"io/fs"
)

//go:embed data
var data embed.FS

// Config is samples/tuneprep.yaml.
//
//go:embed tuneprep.yaml
var Config []byte

// Data returns the sample input tree (support/, clinical/, legal/).
func Data() fs.FS {
	sub, err := fs.Sub(data, "data")
	if err != nil { // cannot happen: "data" is embedded above
		return data
	}
	return sub
}
