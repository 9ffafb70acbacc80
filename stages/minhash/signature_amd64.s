//go:build !purego

#include "textflag.h"

// MULMIN multiplies the hash broadcast in Z16 by the constants in c into t
// and keeps the lane-wise minimum in acc.
#define MULMIN(c, t, acc) VPMULLQ Z16, c, t; VPMINUQ t, acc, acc

// HIGH32 stores the high halves of the eight minima in acc as uint32s at
// dst, in the lanes of mask k.
#define HIGH32(acc, k, dst) VPSRLQ $32, acc, acc; VPMOVQD acc, k, dst

// func minHashAVX512(out []uint32, hashes []uint64, a []uint64)
//
// One pass over the hashes serves up to 64 permutations: their running
// minima stay in Z0-Z7 and their constants in Z8-Z15, each hash is
// broadcast once into Z16 and multiplied into Z17-Z24. The mask registers
// cover the permutations left (K1-K7 for vectors 1-7), so that the last
// pass reads and writes nothing past a and out. A last pass of at most
// eight permutations uses one vector instead of eight.
TEXT ·minHashAVX512(SB), NOSPLIT, $0-72
	MOVQ out_base+0(FP), DI
	MOVQ hashes_base+24(FP), SI
	MOVQ hashes_len+32(FP), DX
	MOVQ a_base+48(FP), BX
	MOVQ a_len+56(FP), CX
	VPTERNLOGQ $0xff, Z31, Z31, Z31 // all ones: the minimum of no hashes
	TESTQ CX, CX
	JZ    done

next:
	// AX = one bit per permutation left, at most 64.
	MOVQ $-1, AX
	CMPQ CX, $64
	JAE  wide
	XORL AX, AX
	BTSQ CX, AX
	DECQ AX
	CMPQ CX, $8
	JA   wide
	KMOVW AX, K1
	JMP   narrow

wide:
	MOVQ  AX, R10
	SHRQ  $8, R10
	KMOVW R10, K1
	SHRQ  $8, R10
	KMOVW R10, K2
	SHRQ  $8, R10
	KMOVW R10, K3
	SHRQ  $8, R10
	KMOVW R10, K4
	SHRQ  $8, R10
	KMOVW R10, K5
	SHRQ  $8, R10
	KMOVW R10, K6
	SHRQ  $8, R10
	KMOVW R10, K7
	VMOVDQU64   0(BX), Z8
	VMOVDQU64.Z 64(BX), K1, Z9
	VMOVDQU64.Z 128(BX), K2, Z10
	VMOVDQU64.Z 192(BX), K3, Z11
	VMOVDQU64.Z 256(BX), K4, Z12
	VMOVDQU64.Z 320(BX), K5, Z13
	VMOVDQU64.Z 384(BX), K6, Z14
	VMOVDQU64.Z 448(BX), K7, Z15
	VMOVDQA64   Z31, Z0
	VMOVDQA64   Z31, Z1
	VMOVDQA64   Z31, Z2
	VMOVDQA64   Z31, Z3
	VMOVDQA64   Z31, Z4
	VMOVDQA64   Z31, Z5
	VMOVDQA64   Z31, Z6
	VMOVDQA64   Z31, Z7
	MOVQ  SI, R8
	MOVQ  DX, R9
	TESTQ R9, R9
	JZ    wideStore

wideLoop:
	VPBROADCASTQ (R8), Z16
	MULMIN(Z8, Z17, Z0)
	MULMIN(Z9, Z18, Z1)
	MULMIN(Z10, Z19, Z2)
	MULMIN(Z11, Z20, Z3)
	MULMIN(Z12, Z21, Z4)
	MULMIN(Z13, Z22, Z5)
	MULMIN(Z14, Z23, Z6)
	MULMIN(Z15, Z24, Z7)
	ADDQ $8, R8
	DECQ R9
	JNZ  wideLoop

wideStore:
	VPSRLQ  $32, Z0, Z0
	VPMOVQD Z0, 0(DI)
	HIGH32(Z1, K1, 32(DI))
	HIGH32(Z2, K2, 64(DI))
	HIGH32(Z3, K3, 96(DI))
	HIGH32(Z4, K4, 128(DI))
	HIGH32(Z5, K5, 160(DI))
	HIGH32(Z6, K6, 192(DI))
	HIGH32(Z7, K7, 224(DI))
	ADDQ $512, BX
	ADDQ $256, DI
	SUBQ $64, CX
	JG   next
	JMP  done

narrow:
	VMOVDQU64.Z (BX), K1, Z8
	VMOVDQA64   Z31, Z0
	MOVQ  SI, R8
	MOVQ  DX, R9
	TESTQ R9, R9
	JZ    narrowStore

narrowLoop:
	VPBROADCASTQ (R8), Z16
	MULMIN(Z8, Z17, Z0)
	ADDQ $8, R8
	DECQ R9
	JNZ  narrowLoop

narrowStore:
	HIGH32(Z0, K1, (DI))

done:
	VZEROUPPER
	RET
