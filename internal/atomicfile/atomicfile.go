package atomicfile

import (
	"os"
	"path/filepath"
)

// TempPattern is the name pattern of the temporary file, in path's
// directory. A caller that checks beforehand whether it may write there
// creates (and removes) a file of the same pattern.
const TempPattern = ".papersum-*"

// Write writes data to path through a temporary file in path's directory
// and a rename. On failure path is left as it was and the temporary file
// is removed. The errors are the os package's (*fs.PathError for the
// temporary file, *os.LinkError for the rename).
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), TempPattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
