package docread

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/tuneprep/tuneprep/schemas"
)

// ReadMbox reads an mbox archive (mboxo or mboxrd) message by message and
// passes each to yield with the 1-based line of its "From " separator. A
// separator is a line starting with "From " at the start of the file or
// after a blank line; body lines escaped as ">From " (any number of ">")
// lose one ">". A message that cannot be read is yielded with its error
// (and nil fields) and reading goes on; an error from yield stops the read
// and is returned. Memory holds one message, at most
// opts.MaxMessageBytes; a larger message is yielded as an error and skipped.
func ReadMbox(r io.Reader, opts EmailOptions, yield func(line int, fields schemas.Fields, err error) error) error {
	opts = opts.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		msg       bytes.Buffer
		start     int  // separator line of the message in msg; 0 before the first
		tooLarge  bool // the current message passed the limit; msg was dropped
		prevBlank = true
	)
	flush := func() error {
		if start == 0 {
			return nil
		}
		if tooLarge {
			return yield(start, nil, fmt.Errorf("message larger than %d bytes", opts.MaxMessageBytes))
		}
		fields, _, err := ReadEML(bytes.NewReader(msg.Bytes()), opts)
		return yield(start, fields, err)
	}
	line, atStart := 0, true
	for {
		b, err := readMboxLine(br)
		if len(b) == 0 && err == io.EOF {
			return flush()
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("mbox line %d: %w", line+1, err)
		}
		// A line longer than the buffer comes in pieces; only the first
		// piece starts a line.
		first := atStart
		if first {
			line++
		}
		atStart = bytes.HasSuffix(b, []byte("\n"))
		if first && prevBlank && bytes.HasPrefix(b, []byte("From ")) {
			if err := flush(); err != nil {
				return err
			}
			msg.Reset()
			start, tooLarge = line, false
			prevBlank = false
			continue
		}
		if start == 0 {
			if len(bytes.TrimSpace(b)) > 0 {
				return fmt.Errorf("mbox line %d: text before the first \"From \" separator: not an mbox file", line)
			}
			continue
		}
		prevBlank = first && len(bytes.TrimRight(b, "\r\n")) == 0
		if unescaped := bytes.TrimLeft(b, ">"); first && len(unescaped) < len(b) && bytes.HasPrefix(unescaped, []byte("From ")) {
			b = b[1:]
		}
		if !tooLarge {
			msg.Write(b)
			if int64(msg.Len()) > opts.MaxMessageBytes {
				tooLarge = true
				msg.Reset()
			}
		}
		if err == io.EOF {
			return flush()
		}
	}
}

// readMboxLine returns the next line with its newline, or the next piece
// of a line longer than the buffer.
func readMboxLine(br *bufio.Reader) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return b, nil
	}
	return b, err
}
