/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced into every kernel file built for the host: the kernel's string
 * and printf functions get a pvk_ prefix so they neither clash with nor
 * silently become the C library's, and the tests exercise pvkit's code.
 */
#define memcpy		pvk_memcpy
#define memmove		pvk_memmove
#define memset		pvk_memset
#define memcmp		pvk_memcmp
#define memchr		pvk_memchr
#define strlen		pvk_strlen
#define strnlen		pvk_strnlen
#define strcmp		pvk_strcmp
#define strncmp		pvk_strncmp
#define strchr		pvk_strchr
#define strrchr		pvk_strrchr
#define strlcpy		pvk_strlcpy
#define strlcat		pvk_strlcat
#define vsnprintf	pvk_vsnprintf
#define snprintf	pvk_snprintf
#define printk		pvk_printk
#define vprintk		pvk_vprintk
