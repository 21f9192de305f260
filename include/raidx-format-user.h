/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raidx-format-user.h - the userspace side of the shared on-disk format code.
 *
 * Maps the few kernel types and helpers that dm-target/raidx-format.[ch]
 * use onto C99 and glibc, the way xfsprogs' libxfs_priv.h does for libxfs.
 * Outside dm-target/ (whose headers are checkpatched as kernel code) and
 * outside tools/ (whose headers the kernel file must not reach into); the
 * tools and the host fuzzers put this directory on their include path.
 * Nothing else may be added to raidx-format.c without a mapping here.
 */
#ifndef RAIDX_FORMAT_USER_H
#define RAIDX_FORMAT_USER_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint8_t __u8;
typedef uint32_t __le32;
typedef uint64_t __le64;

#define __packed __attribute__((packed))
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* RAIDX_FORMAT_USER_H */
