// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI namespace as far as a small kernel needs it, read from AML
 * without running any of it (ACPI 6.5, chapter 20: AML grammar; 6.4:
 * resource descriptors).  Only declarations are read: Scope, Device,
 * Name with a constant value, OperationRegion with constant bounds,
 * CreateXField over a named buffer, and
 * the things that carry a PkgLength are stepped over whole (Method, If,
 * Else, While, Field, Processor, ...).  Anything else at the level of a
 * declaration cannot be measured without an interpreter, so it ends the
 * walk of that table with -EINVAL and one warning.
 *
 * Machine-independent: it reads a buffer the caller has mapped and
 * checked, so the host tests and the fuzzer run the same code.  Every
 * offset is checked against the end of the object that encloses it,
 * which is itself inside the table.
 */
#define pr_fmt(fmt) "aml: " fmt

#include <pvkit/acpi.h>
#include <pvkit/aml.h>
#include <pvkit/errno.h>
#include <pvkit/kernel.h>
#include <pvkit/string.h>

#define SDT_HDR_LEN		36
#define SDT_LENGTH		4

/* Opcodes (ACPI 6.5, 20.3). */
#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_ALIAS		0x06
#define AML_NAME		0x08
#define AML_BYTE		0x0a
#define AML_WORD		0x0b
#define AML_DWORD		0x0c
#define AML_STRING		0x0d
#define AML_QWORD		0x0e
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_PACKAGE		0x12
#define AML_VAR_PACKAGE		0x13
#define AML_METHOD		0x14
#define AML_EXTERNAL		0x15
#define AML_DUAL_PREFIX		0x2e
#define AML_MULTI_PREFIX	0x2f
#define AML_EXT_PREFIX		0x5b
#define AML_ROOT_CHAR		0x5c
#define AML_PARENT_PREFIX	0x5e
#define AML_LOCAL0		0x60
#define AML_STORE		0x70
#define AML_AND			0x7b
#define AML_CREATE_DWORD	0x8a
#define AML_CREATE_WORD		0x8b
#define AML_CREATE_BYTE		0x8c
#define AML_CREATE_BIT		0x8d
#define AML_CREATE_QWORD	0x8f
#define AML_NOTIFY		0x86
#define AML_LEQUAL		0x93
#define AML_IF			0xa0
#define AML_ELSE		0xa1
#define AML_WHILE		0xa2
#define AML_RETURN		0xa4
#define AML_ONES		0xff

/* After AML_EXT_PREFIX. */
#define AML_EXT_MUTEX		0x01
#define AML_EXT_EVENT		0x02
#define AML_EXT_CREATE_FIELD	0x13
#define AML_EXT_REVISION	0x30
#define AML_EXT_REGION		0x80
#define AML_EXT_FIELD		0x81
#define AML_EXT_DEVICE		0x82
#define AML_EXT_PROCESSOR	0x83
#define AML_EXT_POWER_RES	0x84
#define AML_EXT_THERMAL		0x85
#define AML_EXT_INDEX_FIELD	0x86
#define AML_EXT_BANK_FIELD	0x87

/* Resource descriptors (ACPI 6.5, 6.4). */
#define RES_SMALL_IRQ		0x04
#define RES_SMALL_IO		0x08
#define RES_SMALL_FIXED_IO	0x09
#define RES_SMALL_END		0x0f
#define RES_LARGE_MEM32		0x05
#define RES_LARGE_MEM32_FIXED	0x06
#define RES_LARGE_DWORD		0x07
#define RES_LARGE_WORD		0x08
#define RES_LARGE_EXT_IRQ	0x09
#define RES_LARGE_QWORD		0x0a

#define ADDR_SPACE_MEMORY	0
#define ADDR_SPACE_IO		1

/* Where the walk of one table is. */
struct walker {
	struct aml_ns *ns;
	const u8 *p;		/* the table */
	u32 len;
	unsigned int budget;
	int err;
	bool quiet;		/* looking into a method: misfits are no error */
};

/* A data object's value, as far as a declaration needs it. */
enum aml_type { V_NONE, V_INT, V_STRING, V_BUFFER, V_PACKAGE, V_NAME };

struct aml_value {
	enum aml_type type;
	u64 num;
	u32 start, end;		/* string bytes, buffer bytes, package elements */
	u8 count;		/* package NumElements */
};

static u64 get_le(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The first problem stops the table, and only it is reported. */
static int fail(struct walker *w, u32 off, const char *what)
{
	if (!w->err && !w->quiet) {
		pr_warn("%.4s: %s at offset %u (byte %#x)\n", (const char *)w->p,
			what, off, off < w->len ? w->p[off] : 0);
		w->err = -EINVAL;
	}
	return -EINVAL;
}

static bool spend(struct walker *w, u32 off)
{
	if (w->budget) {
		w->budget--;
		return true;
	}
	w->quiet = false;
	fail(w, off, "work budget spent");
	return false;
}

/* PkgLength at *pos: *pkg_end is where the object ends (within end). */
static int pkg_length(struct walker *w, u32 *pos, u32 end, u32 *pkg_end)
{
	u32 start = *pos, len, n;

	if (start >= end)
		return fail(w, start, "PkgLength past the end");
	n = w->p[start] >> 6;
	if (end - start < n + 1)
		return fail(w, start, "PkgLength past the end");
	if (!n) {
		len = w->p[start] & 0x3f;
	} else {
		if (w->p[start] & 0x30)
			return fail(w, start, "bad PkgLength");
		len = w->p[start] & 0x0f;
		for (u32 i = 1; i <= n; i++)
			len |= (u32)w->p[start + i] << (4 + 8 * (i - 1));
	}
	if (len < n + 1 || len > end - start)
		return fail(w, start, "PkgLength out of bounds");
	*pkg_end = start + len;
	*pos = start + n + 1;
	return 0;
}

static bool lead_name_char(u8 c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(u8 c)
{
	return lead_name_char(c) || (c >= '0' && c <= '9');
}

static bool is_name_string(u8 c)
{
	return lead_name_char(c) || c == AML_ROOT_CHAR ||
	       c == AML_PARENT_PREFIX || c == AML_DUAL_PREFIX ||
	       c == AML_MULTI_PREFIX;
}

/*
 * A NameString at *pos, resolved against scope into *out (when out is
 * not NULL).  Deeper than AML_MAX_DEPTH, or above the root, is refused.
 */
static int name_string(struct walker *w, u32 *pos, u32 end,
		       const struct aml_path *scope, struct aml_path *out)
{
	struct aml_path path = *scope;
	u32 p = *pos, nsegs = 1;

	if (p < end && w->p[p] == AML_ROOT_CHAR) {
		path.depth = 0;
		p++;
	} else {
		while (p < end && w->p[p] == AML_PARENT_PREFIX) {
			if (!path.depth)
				return fail(w, p, "name above the root");
			path.depth--;
			p++;
		}
	}
	if (p >= end)
		return fail(w, p, "name past the end");
	if (w->p[p] == AML_ZERO) {		/* NullName */
		nsegs = 0;
		p++;
	} else if (w->p[p] == AML_DUAL_PREFIX) {
		nsegs = 2;
		p++;
	} else if (w->p[p] == AML_MULTI_PREFIX) {
		if (end - p < 2)
			return fail(w, p, "name past the end");
		nsegs = w->p[p + 1];
		p += 2;
	}
	if (nsegs > (u32)(AML_MAX_DEPTH - path.depth))
		return fail(w, *pos, "name too deep");
	if ((end - p) / 4 < nsegs)
		return fail(w, p, "name past the end");
	for (u32 i = 0; i < nsegs; i++, p += 4) {
		const u8 *s = w->p + p;

		if (!lead_name_char(s[0]) || !name_char(s[1]) ||
		    !name_char(s[2]) || !name_char(s[3]))
			return fail(w, p, "bad name segment");
		memcpy(path.seg[path.depth++], s, 4);
	}
	if (out)
		*out = path;
	*pos = p;
	return 0;
}

static bool path_eq(const struct aml_path *a, const struct aml_path *b)
{
	return a->depth == b->depth &&
	       !memcmp(a->seg, b->seg, 4 * (size_t)a->depth);
}

static bool last_seg_is(const struct aml_path *path, const char *seg)
{
	return path->depth && !memcmp(path->seg[path->depth - 1], seg, 4);
}

void aml_path_str(const struct aml_path *path, char *buf, size_t size)
{
	size_t n = 0;

	buf[n++] = '\\';
	for (unsigned int i = 0; i < path->depth && n + 6 <= size; i++) {
		if (i)
			buf[n++] = '.';
		memcpy(buf + n, path->seg[i], 4);
		n += 4;
	}
	buf[n] = '\0';
}

/*
 * An integer constant (Zero, One, Ones, Byte/Word/DWord/QWordConst): a
 * BufferSize or VarNumElements.  Nothing else is taken, so a Buffer whose
 * size is a Buffer cannot make the reader recurse as deep as the nesting.
 */
static int const_int(struct walker *w, u32 *pos, u32 end, u64 *num)
{
	static const u8 int_len[] = {
		[AML_BYTE] = 1, [AML_WORD] = 2, [AML_DWORD] = 4, [AML_QWORD] = 8,
	};
	u32 p = *pos;
	u8 op;

	if (p >= end)
		return fail(w, p, "integer past the end");
	op = w->p[p++];
	if (op == AML_ZERO || op == AML_ONE || op == AML_ONES) {
		*num = op == AML_ONES ? ~0ULL : op;
	} else if (op < sizeof(int_len) && int_len[op]) {
		if (end - p < int_len[op])
			return fail(w, p, "integer past the end");
		*num = get_le(w->p + p, int_len[op]);
		p += int_len[op];
	} else {
		return fail(w, *pos, "not an integer constant");
	}
	*pos = p;
	return 0;
}

/* Buffer, Package, VarPackage: the bytes or elements, found by PkgLength. */
static int aggregate(struct walker *w, u8 op, u32 *pos, u32 end,
		     struct aml_value *v)
{
	u64 size;
	u32 p = *pos + 1, pkg_end;

	if (pkg_length(w, &p, end, &pkg_end))
		return -EINVAL;
	if (op == AML_PACKAGE) {
		if (p >= pkg_end)
			return fail(w, p, "package without a count");
		v->type = V_PACKAGE;
		v->count = w->p[p++];
	} else {
		/* BufferSize, VarNumElements: a TermArg, constant here. */
		if (const_int(w, &p, pkg_end, &size))
			return -EINVAL;
		v->type = op == AML_BUFFER ? V_BUFFER : V_PACKAGE;
		v->num = size;
		v->count = size > 255 ? 255 : (u8)size;
	}
	v->start = p;
	v->end = pkg_end;
	*pos = pkg_end;
	return 0;
}

/*
 * A data object at *pos (20.2.3: ComputationalData, Package, names as
 * package elements); *pos moves past it.  Anything else is refused: its
 * length cannot be known without evaluating it.
 */
static int data_object(struct walker *w, u32 *pos, u32 end,
		       const struct aml_path *scope, struct aml_value *v)
{
	u32 p = *pos;
	u8 op;

	if (p >= end)
		return fail(w, p, "data past the end");
	op = w->p[p++];
	memset(v, 0, sizeof(*v));
	switch (op) {
	case AML_ZERO:
	case AML_ONE:
	case AML_ONES:
	case AML_BYTE:
	case AML_WORD:
	case AML_DWORD:
	case AML_QWORD:
		p--;
		if (const_int(w, &p, end, &v->num))
			return -EINVAL;
		v->type = V_INT;
		break;
	case AML_STRING:
		v->type = V_STRING;
		v->start = p;
		while (p < end && w->p[p])
			p++;
		if (p == end)
			return fail(w, v->start, "unterminated string");
		v->end = p++;
		break;
	case AML_BUFFER:
	case AML_PACKAGE:
	case AML_VAR_PACKAGE:
		return aggregate(w, op, pos, end, v);
	case AML_EXT_PREFIX:
		if (p >= end || w->p[p] != AML_EXT_REVISION)
			return fail(w, p - 1, "unsupported data object");
		v->type = V_INT;
		p++;
		break;
	default:
		if (!is_name_string(op))
			return fail(w, p - 1, "unsupported data object");
		v->type = V_NAME;
		p--;
		if (name_string(w, &p, end, scope, NULL))
			return -EINVAL;
		break;
	}
	*pos = p;
	return 0;
}

/* Resource templates */

static void add_mem(struct aml_crs *crs, u64 base, u64 len)
{
	if (crs->nr_mem == AML_MAX_RES) {
		crs->nr_dropped++;
		return;
	}
	crs->mem[crs->nr_mem].base = base;
	crs->mem[crs->nr_mem++].len = len;
}

static void add_io(struct aml_crs *crs, u64 base, u64 len)
{
	if (crs->nr_io == AML_MAX_RES || base > 0xffff || len > 0x10000) {
		crs->nr_dropped++;
		return;
	}
	crs->io[crs->nr_io].base = (u16)base;
	crs->io[crs->nr_io++].len = (u16)len;
}

static void add_irq(struct aml_crs *crs, u32 gsi, u16 flags)
{
	if (crs->nr_irq == AML_MAX_RES) {
		crs->nr_dropped++;
		return;
	}
	crs->irq[crs->nr_irq].gsi = gsi;
	crs->irq[crs->nr_irq++].flags = flags;
}

/* Descriptor flags to ACPI_INTI_*: edge/level, active high/low. */
static u16 inti_flags(bool edge, bool active_low)
{
	return (edge ? ACPI_INTI_TRIGGER_EDGE : ACPI_INTI_TRIGGER_LEVEL) |
	       (active_low ? ACPI_INTI_POLARITY_LOW : ACPI_INTI_POLARITY_HIGH);
}

/* IRQ descriptor (6.4.2.1): a mask of ISA IRQs; edge, high if no flags. */
static void res_irq(struct aml_crs *crs, const u8 *d, u32 len)
{
	u16 mask = (u16)get_le(d, 2);
	u8 info = len >= 3 ? d[2] : 1;

	for (unsigned int i = 0; i < 16; i++)
		if (mask & (1 << i))
			add_irq(crs, i, inti_flags(info & 1, info & 8));
}

/* Extended Interrupt (6.4.3.6): flags, count, then count 32-bit GSIs. */
static int res_ext_irq(struct aml_crs *crs, const u8 *d, u32 len)
{
	u8 count;

	if (len < 2)
		return -EINVAL;
	count = d[1];
	if (!count || (len - 2) / 4 < count)
		return -EINVAL;
	for (unsigned int i = 0; i < count; i++)
		add_irq(crs, (u32)get_le(d + 2 + 4 * i, 4),
			inti_flags(d[0] & 2, d[0] & 4));
	return 0;
}

/*
 * Word, DWord and QWord Address Space (6.4.3.5): resource type, general
 * and type flags, then granularity, minimum, maximum, translation and
 * length, each of n bytes.  Bus numbers and the like are not kept.
 */
static int res_address(struct aml_crs *crs, const u8 *d, u32 len, unsigned int n)
{
	u64 min, alen;

	if (len < 3 + 5 * n)
		return -EINVAL;
	min = get_le(d + 3 + n, n);
	alen = get_le(d + 3 + 4 * n, n);
	if (!alen)
		return 0;
	if (d[0] == ADDR_SPACE_MEMORY)
		add_mem(crs, min, alen);
	else if (d[0] == ADDR_SPACE_IO)
		add_io(crs, min, alen);
	return 0;
}

static int res_large(struct aml_crs *crs, u8 type, const u8 *d, u32 len)
{
	switch (type) {
	case RES_LARGE_MEM32_FIXED:
		if (len < 9)
			return -EINVAL;
		add_mem(crs, get_le(d + 1, 4), get_le(d + 5, 4));
		return 0;
	case RES_LARGE_MEM32:
		if (len < 17)
			return -EINVAL;
		add_mem(crs, get_le(d + 1, 4), get_le(d + 13, 4));
		return 0;
	case RES_LARGE_WORD:
		return res_address(crs, d, len, 2);
	case RES_LARGE_DWORD:
		return res_address(crs, d, len, 4);
	case RES_LARGE_QWORD:
		return res_address(crs, d, len, 8);
	case RES_LARGE_EXT_IRQ:
		return res_ext_irq(crs, d, len);
	default:
		crs->nr_dropped++;	/* vendor, GPIO, ...: not ours */
		return 0;
	}
}

static int res_small(struct aml_crs *crs, u8 type, const u8 *d, u32 len)
{
	switch (type) {
	case RES_SMALL_IRQ:
		if (len < 2)
			return -EINVAL;
		res_irq(crs, d, len);
		return 0;
	case RES_SMALL_IO:
		if (len < 7)
			return -EINVAL;
		add_io(crs, get_le(d + 1, 2), d[6]);
		return 0;
	case RES_SMALL_FIXED_IO:
		if (len < 3)
			return -EINVAL;
		add_io(crs, get_le(d, 2) & 0x3ff, d[2]);
		return 0;
	default:
		crs->nr_dropped++;	/* DMA, start/end dependent, vendor */
		return 0;
	}
}

int aml_decode_crs(const u8 *buf, u32 len, struct aml_crs *crs)
{
	u32 off = 0;

	memset(crs, 0, sizeof(*crs));
	/* Every descriptor is at least one byte: the loop is bounded by len. */
	while (off < len) {
		u8 tag = buf[off];
		u32 dlen, hdr;
		int err;

		if (tag & 0x80) {
			hdr = 3;
			if (len - off < hdr)
				return -EINVAL;
			dlen = (u32)get_le(buf + off + 1, 2);
		} else {
			hdr = 1;
			dlen = tag & 7;
			if (((tag >> 3) & 0xf) == RES_SMALL_END)
				return 0;
		}
		if (len - off - hdr < dlen)
			return -EINVAL;
		if (tag & 0x80)
			err = res_large(crs, tag & 0x7f, buf + off + hdr, dlen);
		else
			err = res_small(crs, (tag >> 3) & 0xf, buf + off + hdr, dlen);
		if (err)
			return err;
		off += hdr + dlen;
	}
	return -EINVAL;		/* no end tag */
}

/* Devices and the objects declared in them */

static struct aml_device *device_at(struct aml_ns *ns, const struct aml_path *path)
{
	for (unsigned int i = 0; i < ns->nr_devices; i++)
		if (path_eq(&ns->devices[i].path, path))
			return &ns->devices[i];
	return NULL;
}

/* The device a name at path belongs to: the one at its parent's path. */
static struct aml_device *owner(struct aml_ns *ns, const struct aml_path *path)
{
	struct aml_path parent = *path;

	if (!parent.depth)
		return NULL;
	parent.depth--;
	return device_at(ns, &parent);
}

static void new_device(struct aml_ns *ns, const struct aml_path *path)
{
	struct aml_device *dev;

	if (device_at(ns, path))
		return;			/* declared again in an SSDT */
	if (ns->nr_devices == AML_MAX_DEVICES) {
		if (!ns->nr_dropped++)
			pr_warn("more than %u devices: the rest ignored\n",
				AML_MAX_DEVICES);
		return;
	}
	dev = &ns->devices[ns->nr_devices++];
	memset(dev, 0, sizeof(*dev));
	dev->path = *path;
}

/* An EISA id (a compressed vendor id and product number) as "PNP0C0C". */
static void eisa_id(char *hid, u32 v)
{
	static const char hex[] = "0123456789ABCDEF";

	v = (v & 0xff) << 24 | (v & 0xff00) << 8 | (v >> 8 & 0xff00) | v >> 24;
	hid[0] = (char)('@' + (v >> 26 & 0x1f));
	hid[1] = (char)('@' + (v >> 21 & 0x1f));
	hid[2] = (char)('@' + (v >> 16 & 0x1f));
	for (int i = 0; i < 4; i++)
		hid[3 + i] = hex[v >> (12 - 4 * i) & 0xf];
	hid[7] = '\0';
}

static void set_hid(struct walker *w, struct aml_device *dev,
		    const struct aml_value *v)
{
	u32 n;

	if (v->type == V_INT) {
		eisa_id(dev->hid, (u32)v->num);
		return;
	}
	if (v->type != V_STRING)
		return;
	n = v->end - v->start;
	if (n > sizeof(dev->hid) - 1)
		n = sizeof(dev->hid) - 1;
	for (u32 i = 0; i < n; i++) {
		u8 c = w->p[v->start + i];

		dev->hid[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dev->hid[n] = '\0';
}

static void set_crs(struct walker *w, struct aml_device *dev,
		    const struct aml_value *v)
{
	u32 len = v->end - v->start;
	char name[6 + 5 * AML_MAX_DEPTH];

	if (v->num < len)
		len = (u32)v->num;	/* BufferSize may cut the list short */
	dev->has_crs = !aml_decode_crs(w->p + v->start, len, &dev->crs);
	if (!dev->has_crs) {
		aml_path_str(&dev->path, name, sizeof(name));
		pr_warn("%s: _CRS cannot be decoded\n", name);
	}
}

/* \_S5: Package { SLP_TYPa, SLP_TYPb, ... }. */
static void set_s5(struct walker *w, const struct aml_value *pkg,
		   const struct aml_path *scope)
{
	struct aml_value a, b;
	u32 p = pkg->start;

	if (pkg->type != V_PACKAGE || !pkg->count ||
	    data_object(w, &p, pkg->end, scope, &a) || a.type != V_INT)
		return;
	b = a;
	if (pkg->count >= 2 && p < pkg->end &&
	    (data_object(w, &p, pkg->end, scope, &b) || b.type != V_INT))
		return;
	w->ns->has_s5 = true;
	w->ns->s5_typa = a.num & 7;
	w->ns->s5_typb = b.num & 7;
}

/* PCI routing tables (_PRT) */

/* The link device path's index in ns->prt_links, added when new; -1: full. */
static int prt_link(struct aml_ns *ns, const struct aml_path *path)
{
	for (unsigned int i = 0; i < ns->nr_prt_links; i++)
		if (path_eq(&ns->prt_links[i], path))
			return i;
	if (ns->nr_prt_links == AML_MAX_PRT_LINKS)
		return -1;
	ns->prt_links[ns->nr_prt_links] = *path;
	return ns->nr_prt_links++;
}

/*
 * Package { Address, Pin, Source, SourceIndex } at *pos: Source a name
 * (a link device) or Zero (SourceIndex is then the GSI).
 */
static int prt_entry(struct walker *w, u32 *pos, u32 end,
		     const struct aml_path *scope, struct aml_prt_entry *e)
{
	struct aml_value pkg, addr, pin, idx;
	struct aml_path link;
	u32 p = *pos;
	int i;

	if (p >= end || w->p[p] != AML_PACKAGE ||
	    data_object(w, &p, end, scope, &pkg) || pkg.count != 4)
		return -EINVAL;
	*pos = p;
	p = pkg.start;
	if (data_object(w, &p, pkg.end, scope, &addr) || addr.type != V_INT ||
	    (addr.num & 0xffff) != 0xffff || addr.num > 0xffffffffu ||
	    data_object(w, &p, pkg.end, scope, &pin) || pin.type != V_INT ||
	    pin.num > 3 || p >= pkg.end)
		return -EINVAL;
	e->addr = (u32)addr.num;
	e->pin = (u8)pin.num;
	e->link = AML_PRT_NO_LINK;
	if (is_name_string(w->p[p]) && w->p[p] != AML_ZERO) {
		if (name_string(w, &p, pkg.end, scope, &link))
			return -EINVAL;
		i = prt_link(w->ns, &link);
		if (i < 0)
			return -EINVAL;
		e->link = (u8)i;
	} else if (data_object(w, &p, pkg.end, scope, &idx) ||
		   idx.type != V_INT || idx.num) {
		return -EINVAL;
	}
	if (data_object(w, &p, pkg.end, scope, &idx) || idx.type != V_INT ||
	    idx.num > 0xffffffffu)
		return -EINVAL;
	e->gsi = (u32)idx.num;
	return 0;
}

/*
 * A Name()d package whose first element is a routing entry is decoded
 * whole (no entry may be malformed) and kept: a _PRT method returns such
 * a package by name, possibly declared before the method.
 */
static void prt_package(struct walker *w, const struct aml_path *path,
			const struct aml_value *v, const struct aml_path *scope)
{
	struct aml_ns *ns = w->ns;
	struct aml_prt_entry first;
	struct aml_prt_pkg *pkg;
	char name[5 * AML_MAX_DEPTH + 2];
	u32 p = v->start;
	bool quiet = w->quiet;

	w->quiet = true;		/* a package of another shape is no error */
	if (v->type != V_PACKAGE || !v->count ||
	    prt_entry(w, &p, v->end, scope, &first)) {
		w->quiet = quiet;
		return;
	}
	w->quiet = quiet;
	aml_path_str(path, name, sizeof(name));
	if (ns->nr_prt_pkgs == AML_MAX_PRT_PKGS || v->count > AML_MAX_PRT) {
		pr_warn("%s: routing package not kept (%u entries)\n", name,
			v->count);
		return;
	}
	pkg = &ns->prt_pkgs[ns->nr_prt_pkgs];
	pkg->path = *path;
	pkg->e[0] = first;
	for (pkg->nr = 1; pkg->nr < v->count; pkg->nr++) {
		if (prt_entry(w, &p, v->end, scope, &pkg->e[pkg->nr])) {
			pr_warn("%s: routing entry %u cannot be read\n", name,
				pkg->nr);
			return;
		}
	}
	ns->nr_prt_pkgs++;
}

/* The first _PRT: its device, and the package it names. */
static void set_prt(struct aml_ns *ns, const struct aml_path *prt,
		    const struct aml_path *ref)
{
	if (ns->has_prt)
		return;
	ns->has_prt = true;
	ns->prt_dev = *prt;
	ns->prt_dev.depth--;
	ns->prt_ref = *ref;
}

/* Return (NAME) at *pos: the name resolved against scope. */
static int prt_return(struct walker *w, u32 *pos, u32 end,
		      const struct aml_path *scope, struct aml_path *ref)
{
	if (*pos >= end || w->p[(*pos)++] != AML_RETURN)
		return -EINVAL;
	return name_string(w, pos, end, scope, ref);
}

/*
 * A _PRT method's body, in the forms firmware writes: Return (A), or a
 * choice between the PIC and the APIC table on the flag _PIC sets:
 * If (LEqual (F, Zero)) { Return (P) } [Else] { Return (A) }, or
 * If (F) { Return (A) } [Else] Return (P).  pvkit routes in APIC mode, so
 * A is taken.  Any other body is left unread (no error: it is a method).
 */
static void prt_method(struct walker *w, u32 p, u32 end,
		       const struct aml_path *scope, const struct aml_path *prt)
{
	struct aml_path pic, apic;
	bool apic_first;
	u32 pkg_end;

	if (p < end && w->p[p] == AML_RETURN) {
		if (!prt_return(w, &p, end, scope, &apic))
			set_prt(w->ns, prt, &apic);
		return;
	}
	if (p >= end || w->p[p++] != AML_IF || pkg_length(w, &p, end, &pkg_end))
		return;
	apic_first = true;
	if (p < end && w->p[p] == AML_LEQUAL) {
		p++;
		apic_first = false;
	}
	if (name_string(w, &p, pkg_end, scope, NULL))
		return;
	if (!apic_first && (p >= pkg_end || w->p[p++] != AML_ZERO))
		return;
	if (prt_return(w, &p, pkg_end, scope, apic_first ? &apic : &pic))
		return;
	p = pkg_end;
	if (p < end && w->p[p] == AML_ELSE) {
		p++;
		if (pkg_length(w, &p, end, &pkg_end))
			return;
		end = pkg_end;
	}
	if (prt_return(w, &p, end, scope, apic_first ? &pic : &apic))
		return;
	set_prt(w->ns, prt, &apic);
}


static int def_name(struct walker *w, u32 *pos, u32 end,
		    const struct aml_path *scope)
{
	struct aml_device *dev;
	struct aml_path path;
	struct aml_value v;

	if (name_string(w, pos, end, scope, &path) ||
	    data_object(w, pos, end, scope, &v))
		return -EINVAL;
	if (path.depth == 1 && last_seg_is(&path, "_S5_")) {
		set_s5(w, &v, scope);
		return 0;
	}
	if (v.type == V_PACKAGE) {
		unsigned int before = w->ns->nr_prt_pkgs;

		prt_package(w, &path, &v, scope);
		if (last_seg_is(&path, "_PRT") && w->ns->nr_prt_pkgs > before)
			set_prt(w->ns, &path, &path);
	}
	dev = owner(w->ns, &path);
	if (!dev)
		return 0;
	if (last_seg_is(&path, "_HID")) {
		set_hid(w, dev, &v);
	} else if (last_seg_is(&path, "_UID") && v.type == V_INT) {
		dev->has_uid = true;
		dev->uid = v.num;
	} else if (last_seg_is(&path, "_STA") && v.type == V_INT) {
		dev->has_sta = true;
		dev->sta = v.num;
	} else if (last_seg_is(&path, "_CRS") && v.type == V_BUFFER) {
		set_crs(w, dev, &v);
	}
	return 0;
}

/* OperationRegion (Name, Space, Offset, Length): kept when constant. */
static int def_region(struct walker *w, u32 *pos, u32 end,
		      const struct aml_path *scope)
{
	struct aml_value off, len;
	struct aml_device *dev;
	struct aml_path path;
	u8 space;

	if (name_string(w, pos, end, scope, &path))
		return -EINVAL;
	if (*pos >= end)
		return fail(w, *pos, "region past the end");
	space = w->p[(*pos)++];
	if (data_object(w, pos, end, scope, &off) ||
	    data_object(w, pos, end, scope, &len))
		return -EINVAL;
	dev = owner(w->ns, &path);
	if (dev && !dev->has_region && off.type == V_INT && len.type == V_INT) {
		dev->has_region = true;
		dev->region_space = space;
		dev->region_base = off.num;
		dev->region_len = len.num;
	}
	return 0;
}

/* A Local or Arg (0x60-0x6e) or a name: Store's source and target. */
static int simple_operand(struct walker *w, u32 *pos, u32 end,
			  const struct aml_path *scope)
{
	if (*pos < end && w->p[*pos] >= AML_LOCAL0 && w->p[*pos] <= 0x6e) {
		(*pos)++;
		return 0;
	}
	if (*pos < end && is_name_string(w->p[*pos]))
		return name_string(w, pos, end, scope, NULL);
	return -EINVAL;
}

/*
 * If (LEqual (And (Local0, K, Zero), K)) { Notify (TARGET, 0x80) ... }:
 * the test QEMU's GED _EVT makes for each event bit (hw/acpi/
 * generic_event_device.c).  Recorded when it matches exactly; target
 * resolved against the device's scope (searched upward on lookup).
 */
static void evt_if(struct walker *w, u32 p, u32 end, struct aml_device *dev)
{
	struct aml_value k1, k2, code;
	struct aml_evt *e;

	if (end - p < 3 || w->p[p] != AML_LEQUAL || w->p[p + 1] != AML_AND ||
	    w->p[p + 2] != AML_LOCAL0)
		return;
	p += 3;
	if (data_object(w, &p, end, &dev->path, &k1) || k1.type != V_INT ||
	    p >= end || w->p[p++] != AML_ZERO ||
	    data_object(w, &p, end, &dev->path, &k2) || k2.type != V_INT ||
	    k1.num != k2.num || !k1.num || k1.num > 0xffffffffu ||
	    p >= end || w->p[p++] != AML_NOTIFY || dev->nr_evt == AML_MAX_EVT)
		return;
	e = &dev->evt[dev->nr_evt];
	if (name_string(w, &p, end, &dev->path, &e->target) ||
	    data_object(w, &p, end, &dev->path, &code) || code.type != V_INT ||
	    code.num != 0x80)
		return;
	e->mask = (u32)k1.num;
	dev->nr_evt++;
}

/*
 * The body of a device's _EVT: Store and If at its top level are looked
 * at, the first anything else ends the look (no error: it is a method).
 */
static void method_evt(struct walker *w, u32 p, u32 end, struct aml_device *dev)
{
	u32 pkg_end;

	while (p < end && spend(w, p)) {
		if (w->p[p] == AML_STORE) {
			p++;
			if (simple_operand(w, &p, end, &dev->path) ||
			    simple_operand(w, &p, end, &dev->path))
				return;
		} else if (w->p[p] == AML_IF) {
			p++;
			if (pkg_length(w, &p, end, &pkg_end))
				return;
			evt_if(w, p, pkg_end, dev);
			p = pkg_end;
		} else {
			return;
		}
	}
}

/* Method: skipped by its PkgLength; a device's _EVT is looked into. */
static int def_method(struct walker *w, u32 *pos, u32 end,
		      const struct aml_path *scope)
{
	struct aml_device *dev;
	struct aml_path path;
	u32 pkg_end;

	if (pkg_length(w, pos, end, &pkg_end) ||
	    name_string(w, pos, pkg_end, scope, &path))
		return -EINVAL;
	if (*pos >= pkg_end)
		return fail(w, *pos, "method without flags");
	dev = owner(w->ns, &path);
	if (dev && last_seg_is(&path, "_EVT")) {
		/* A body that is not of the form looked for fails nothing. */
		w->quiet = true;
		method_evt(w, *pos + 1, pkg_end, dev);
		w->quiet = false;
	} else if (dev && last_seg_is(&path, "_PRT")) {
		w->quiet = true;
		prt_method(w, *pos + 1, pkg_end, &path, &path);
		w->quiet = false;
	}
	*pos = pkg_end;
	return w->err;
}

/* Skips an object by its PkgLength, from just after its opcode. */
static int skip_pkg(struct walker *w, u32 *pos, u32 end)
{
	u32 pkg_end;

	if (pkg_length(w, pos, end, &pkg_end))
		return -EINVAL;
	*pos = pkg_end;
	return 0;
}

static int term_list(struct walker *w, u32 pos, u32 end,
		     const struct aml_path *scope, unsigned int depth);

/* Scope and Device: a name, then a list of terms in the new scope. */
static int def_scope(struct walker *w, u32 *pos, u32 end,
		     const struct aml_path *scope, unsigned int depth,
		     bool device)
{
	struct aml_path path;
	u32 pkg_end;

	if (pkg_length(w, pos, end, &pkg_end) ||
	    name_string(w, pos, pkg_end, scope, &path))
		return -EINVAL;
	if (depth == AML_MAX_DEPTH)
		return fail(w, *pos, "scopes nested too deep");
	if (device)
		new_device(w->ns, &path);
	if (term_list(w, *pos, pkg_end, &path, depth + 1))
		return -EINVAL;
	*pos = pkg_end;
	return 0;
}

/*
 * CreateXField (Source, Index[, NumBits], Name) at declaration level, as
 * Xen's DSDT has it: a field of a named buffer, its operands names or
 * constants (anything else could not be measured).
 */
static int def_create_field(struct walker *w, u32 *pos, u32 end,
			    const struct aml_path *scope, unsigned int operands)
{
	struct aml_value v;

	while (operands--)
		if (data_object(w, pos, end, scope, &v))
			return -EINVAL;
	return name_string(w, pos, end, scope, NULL);
}

/* Opcodes after the extended prefix (0x5b). */
static int ext_term(struct walker *w, u32 *pos, u32 end,
		    const struct aml_path *scope, unsigned int depth)
{
	u8 op;

	if (*pos >= end)
		return fail(w, *pos, "opcode past the end");
	op = w->p[(*pos)++];
	switch (op) {
	case AML_EXT_DEVICE:
		return def_scope(w, pos, end, scope, depth, true);
	case AML_EXT_REGION:
		return def_region(w, pos, end, scope);
	case AML_EXT_FIELD:
	case AML_EXT_INDEX_FIELD:
	case AML_EXT_BANK_FIELD:
	case AML_EXT_PROCESSOR:
	case AML_EXT_POWER_RES:
	case AML_EXT_THERMAL:
		return skip_pkg(w, pos, end);
	case AML_EXT_MUTEX:
		if (name_string(w, pos, end, scope, NULL))
			return -EINVAL;
		if (*pos >= end)
			return fail(w, *pos, "mutex past the end");
		(*pos)++;		/* SyncFlags */
		return 0;
	case AML_EXT_EVENT:
		return name_string(w, pos, end, scope, NULL);
	case AML_EXT_CREATE_FIELD:
		return def_create_field(w, pos, end, scope, 3);
	default:
		return fail(w, *pos - 2, "cannot parse this opcode");
	}
}

static int term(struct walker *w, u32 *pos, u32 end,
		const struct aml_path *scope, unsigned int depth)
{
	u8 op = w->p[(*pos)++];

	switch (op) {
	case AML_SCOPE:
		return def_scope(w, pos, end, scope, depth, false);
	case AML_NAME:
		return def_name(w, pos, end, scope);
	case AML_METHOD:
		return def_method(w, pos, end, scope);
	case AML_IF:
	case AML_ELSE:
	case AML_WHILE:
		return skip_pkg(w, pos, end);	/* not evaluated */
	case AML_ALIAS:
		if (name_string(w, pos, end, scope, NULL))
			return -EINVAL;
		return name_string(w, pos, end, scope, NULL);
	case AML_EXTERNAL:
		if (name_string(w, pos, end, scope, NULL))
			return -EINVAL;
		if (end - *pos < 2)
			return fail(w, *pos, "External past the end");
		*pos += 2;		/* ObjectType, ArgumentCount */
		return 0;
	case AML_CREATE_DWORD:
	case AML_CREATE_WORD:
	case AML_CREATE_BYTE:
	case AML_CREATE_BIT:
	case AML_CREATE_QWORD:
		return def_create_field(w, pos, end, scope, 2);
	case AML_EXT_PREFIX:
		return ext_term(w, pos, end, scope, depth);
	default:
		return fail(w, *pos - 1, "cannot parse this opcode");
	}
}

static int term_list(struct walker *w, u32 pos, u32 end,
		     const struct aml_path *scope, unsigned int depth)
{
	while (pos < end) {
		if (!spend(w, pos) || term(w, &pos, end, scope, depth))
			return -EINVAL;
	}
	return 0;
}

int aml_parse_table(struct aml_ns *ns, const u8 *table, u32 len)
{
	struct walker w = { .ns = ns, .p = table, .len = len,
			    .budget = AML_WORK_BUDGET };
	struct aml_path root = { .depth = 0 };

	if (len < SDT_HDR_LEN || get_le(table + SDT_LENGTH, 4) != len) {
		pr_warn("definition block of %u bytes: bad header\n", len);
		return -EINVAL;
	}
	term_list(&w, SDT_HDR_LEN, len, &root, 0);
	return w.err;
}

const struct aml_device *aml_find_hid(const struct aml_ns *ns, const char *hid,
				      const struct aml_device *prev)
{
	unsigned int i = prev ? (unsigned int)(prev - ns->devices) + 1 : 0;

	for (; i < ns->nr_devices; i++)
		if (!strcmp(ns->devices[i].hid, hid))
			return &ns->devices[i];
	return NULL;
}

const struct aml_device *aml_find_path(const struct aml_ns *ns,
				       const struct aml_path *path)
{
	return device_at((struct aml_ns *)ns, path);
}

/*
 * A single-segment name is searched from its scope toward the root
 * (ACPI 6.5, 5.3): PWRB named in \_SB.GED_._EVT is \_SB.PWRB.  One step
 * of that search: the name moved up one scope; false at the root.
 */
static bool path_up(struct aml_path *p)
{
	if (p->depth < 2)
		return false;
	memcpy(p->seg[p->depth - 2], p->seg[p->depth - 1], 4);
	p->depth--;
	return true;
}

static const struct aml_device *search_up(const struct aml_ns *ns,
					  const struct aml_path *path)
{
	struct aml_path p = *path;
	const struct aml_device *dev;

	do {
		dev = aml_find_path(ns, &p);
		if (dev)
			return dev;
	} while (path_up(&p));
	return NULL;
}

static const struct aml_prt_pkg *prt_find(const struct aml_ns *ns,
					  const struct aml_path *path)
{
	struct aml_path p = *path;

	do {
		for (unsigned int i = 0; i < ns->nr_prt_pkgs; i++)
			if (path_eq(&ns->prt_pkgs[i].path, &p))
				return &ns->prt_pkgs[i];
	} while (path_up(&p));
	return NULL;
}

/* An entry's interrupt: its link device's first _CRS interrupt, or the GSI. */
static int prt_gsi(const struct aml_ns *ns, const struct aml_prt_entry *e,
		   u16 *flags)
{
	const struct aml_device *link;

	if (e->link == AML_PRT_NO_LINK) {
		/* A GSI named directly is level-triggered, active-low (6.2.13). */
		*flags = ACPI_INTI_TRIGGER_LEVEL | ACPI_INTI_POLARITY_LOW;
		return e->gsi <= 0xffffff ? (int)e->gsi : -EINVAL;
	}
	link = search_up(ns, &ns->prt_links[e->link]);
	if (!link || !link->has_crs || !link->crs.nr_irq ||
	    link->crs.irq[0].gsi > 0xffffff)
		return -EINVAL;
	*flags = link->crs.irq[0].flags;
	return (int)link->crs.irq[0].gsi;
}

bool aml_prt_links_only(const struct aml_ns *ns)
{
	const struct aml_prt_pkg *pkg = ns->has_prt ? prt_find(ns, &ns->prt_ref) : NULL;

	if (!pkg)
		return false;
	for (unsigned int i = 0; i < pkg->nr; i++)
		if (pkg->e[i].link == AML_PRT_NO_LINK)
			return false;
	return true;
}

int aml_prt_route(const struct aml_ns *ns, u8 slot, u8 pin, u16 *flags)
{
	const struct aml_prt_pkg *pkg;

	if (!ns->has_prt)
		return -ENOENT;
	pkg = prt_find(ns, &ns->prt_ref);
	if (!pkg)
		return -ENOENT;
	if (pin < 1 || pin > 4 || slot > 31)
		return -ENODEV;
	for (unsigned int i = 0; i < pkg->nr; i++) {
		const struct aml_prt_entry *e = &pkg->e[i];

		if (e->addr >> 16 == slot && e->pin == pin - 1)
			return prt_gsi(ns, e, flags);
	}
	return -ENODEV;
}

u32 aml_ged_power_mask(const struct aml_ns *ns, const struct aml_device *ged)
{
	u32 mask = 0;

	for (unsigned int i = 0; i < ged->nr_evt; i++) {
		const struct aml_device *dev = search_up(ns, &ged->evt[i].target);

		if (dev && !strcmp(dev->hid, "PNP0C0C"))
			mask |= ged->evt[i].mask;
	}
	return mask;
}

/*
 * \_S5 by a scan of the bytes: once, at a power-off from an interrupt,
 * so compiled for size (GCC's cold).
 */
#define __scan_code	__attribute__((__cold__))

/* An integer constant at *pos (ZeroOp, OneOp, OnesOp or a prefixed one). */
static __scan_code int scan_int(const u8 *p, u32 *pos, u32 end, u64 *val)
{
	u32 i = *pos, n;

	if (i >= end)
		return -EINVAL;
	switch (p[i]) {
	case AML_ZERO:
	case AML_ONE:
		*val = p[i];
		*pos = i + 1;
		return 0;
	case AML_ONES:
		*val = ~0ULL;
		*pos = i + 1;
		return 0;
	case AML_BYTE:
		n = 1;
		break;
	case AML_WORD:
		n = 2;
		break;
	case AML_DWORD:
		n = 4;
		break;
	case AML_QWORD:
		n = 8;
		break;
	default:
		return -EINVAL;
	}
	if (end - i - 1 < n)
		return -EINVAL;
	*val = 0;
	for (u32 k = 0; k < n; k++)
		*val |= (u64)p[i + 1 + k] << (8 * k);
	*pos = i + 1 + n;
	return 0;
}

/* PackageOp PkgLength NumElements SLP_TYPa [SLP_TYPb ...] at pos, within len. */
static __scan_code int scan_s5_package(const u8 *p, u32 pos, u32 len, u8 *typa, u8 *typb)
{
	u32 start, plen, n, end, count;
	u64 a, b;

	if (len - pos < 2 || p[pos] != AML_PACKAGE)
		return -EINVAL;
	start = pos + 1;
	n = p[start] >> 6;
	if ((n && (p[start] & 0x30)) || len - start < n + 1)
		return -EINVAL;
	plen = p[start] & (n ? 0x0f : 0x3f);
	for (u32 i = 1; i <= n; i++)
		plen |= (u32)p[start + i] << (4 + 8 * (i - 1));
	/* The length, NumElements and at least one element. */
	if (plen < n + 3 || plen > len - start)
		return -EINVAL;
	end = start + plen;
	pos = start + n + 1;
	count = p[pos++];
	if (!count || scan_int(p, &pos, end, &a))
		return -EINVAL;
	b = a;
	if (count >= 2 && pos < end && scan_int(p, &pos, end, &b))
		return -EINVAL;
	*typa = a & 7;
	*typb = b & 7;
	return 0;
}

__scan_code int aml_scan_s5(const u8 *table, u32 len, u8 *typa, u8 *typb)
{
	int ret = -ENOENT;

	for (u32 i = SDT_HDR_LEN + 1; len >= 4 && i <= len - 4; i++) {
		u8 a, b;

		if (table[i] != '_' || memcmp(table + i, "_S5_", 4))
			continue;
		if (table[i - 1] != AML_NAME &&
		    (table[i - 1] != AML_ROOT_CHAR || i - 1 == SDT_HDR_LEN ||
		     table[i - 2] != AML_NAME))
			continue;
		if (scan_s5_package(table, i + 4, len, &a, &b)) {
			if (ret)
				ret = -EINVAL;
			continue;
		}
		*typa = a;
		*typb = b;
		ret = 0;
	}
	return ret;
}
