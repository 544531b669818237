// Package atomicfile writes a file whole or not at all: data goes to a
// temporary file beside the target, which is then renamed over it, so an
// interrupted write never leaves half a file where a complete one was.
// The CLI's --out and the batch command's outputs both write through it.
//
// It is written here rather than taken from github.com/google/renameio
// because that library also fsyncs every file and sets its mode, and the
// outputs keep their present behaviour (no fsync, the temporary file's
// 0600 mode); what is left is ten lines.
package atomicfile
