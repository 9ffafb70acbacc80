package parquetio

import (
	"sync"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// keptZstd is arrow-go's zstd codec with encoders that outlive a garbage
// collection. arrow-go keeps its encoders in a sync.Pool, which every
// collection empties; a pipeline collects several times a second, so almost
// every page built a new encoder and zeroed its history buffers (about 8% of
// a whole run's CPU). Here a few encoders per level stay on a free list. The
// options are arrow-go's, so the bytes written are the same.
type keptZstd struct {
	compress.Codec // decoding and streaming stay arrow-go's

	mu   sync.Mutex
	free map[zstd.EncoderLevel][]*zstd.Encoder
}

// maxKeptEncoders bounds the free list per level: one per concurrent writer
// is enough, and each encoder holds a few MB.
const maxKeptEncoders = 4

func (k *keptZstd) Encode(dst, src []byte) []byte {
	return k.EncodeLevel(dst, src, compress.DefaultCompressionLevel)
}

func (k *keptZstd) EncodeLevel(dst, src []byte, level int) []byte {
	lv := zstd.EncoderLevelFromZstd(level)
	if level == compress.DefaultCompressionLevel {
		lv = zstd.SpeedDefault
	}
	enc := k.get(lv)
	out := enc.EncodeAll(src, dst[:0])
	k.put(lv, enc)
	return out
}

func (k *keptZstd) get(lv zstd.EncoderLevel) *zstd.Encoder {
	k.mu.Lock()
	if l := k.free[lv]; len(l) > 0 {
		enc := l[len(l)-1]
		k.free[lv] = l[:len(l)-1]
		k.mu.Unlock()
		return enc
	}
	k.mu.Unlock()
	enc, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(lv),
		zstd.WithEncoderConcurrency(1), zstd.WithAllLitEntropyCompression(true))
	if err != nil {
		panic(err) // only for invalid options, which these are not
	}
	return enc
}

func (k *keptZstd) put(lv zstd.EncoderLevel, enc *zstd.Encoder) {
	k.mu.Lock()
	if len(k.free[lv]) < maxKeptEncoders {
		k.free[lv] = append(k.free[lv], enc)
	}
	k.mu.Unlock()
}

// registerZstd puts keptZstd in arrow-go's codec table once, before the first
// Parquet file is written.
var registerZstd = sync.OnceFunc(func() {
	c, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		return // arrow-go without zstd: its own error will say so
	}
	compress.RegisterCodec(compress.Codecs.Zstd, &keptZstd{Codec: c, free: map[zstd.EncoderLevel][]*zstd.Encoder{}})
})
