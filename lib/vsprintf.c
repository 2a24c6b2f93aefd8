// SPDX-License-Identifier: GPL-2.0
/*
 * vsnprintf: the C99 subset a kernel needs.  Conversions d i u o x X c s p
 * and %%, flags - + space # 0, width and precision (also as *), length
 * modifiers hh h l ll z t j.  Returns the length the full output would
 * have, like C's, and always terminates the buffer when size > 0.
 */
#include <pvkit/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left, plus, space, alt, zero;
	int width;
	int prec;		/* -1: none */
	int base;
	bool upper;
	bool is_signed;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* len bytes of s, padded with spaces to the width (%s and %c). */
static void put_padded(struct out *o, const struct spec *sp, const char *s, int len)
{
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	put_padded(o, sp, s, sp->prec >= 0 ? (int)strnlen(s, sp->prec) : (int)strlen(s));
}

static void put_num(struct out *o, const struct spec *sp, unsigned long long v,
		    bool neg)
{
	const char *digits = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, zeros, total;
	const char *prefix = "";
	int plen;

	while (v) {
		tmp[n++] = digits[v % sp->base];
		v /= sp->base;
	}
	/* Precision 0 with value 0 prints no digits, as in C. */
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';

	if (neg)
		prefix = "-";
	else if (sp->is_signed && sp->plus)
		prefix = "+";
	else if (sp->is_signed && sp->space)
		prefix = " ";
	else if (sp->alt && sp->base == 16 && !(n == 1 && tmp[0] == '0'))
		prefix = sp->upper ? "0X" : "0x";
	else if (sp->alt && sp->base == 8 && tmp[n - 1] != '0')
		prefix = "0";
	plen = strlen(prefix);

	zeros = sp->prec > n ? sp->prec - n : 0;
	total = plen + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-': sp->left = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		case '0': sp->zero = true; break;
		default: return f;
		}
	}
}

static const char *parse_int(const char *f, int *v)
{
	*v = 0;
	while (*f >= '0' && *f <= '9')
		*v = *v * 10 + (*f++ - '0');
	return f;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static const char *parse_length(const char *f, enum length *len)
{
	*len = LEN_INT;
	if (f[0] == 'h' && f[1] == 'h') {
		*len = LEN_CHAR;
		return f + 2;
	}
	if (f[0] == 'l' && f[1] == 'l') {
		*len = LEN_LLONG;
		return f + 2;
	}
	switch (*f) {
	case 'h': *len = LEN_SHORT; return f + 1;
	case 'l': *len = LEN_LONG; return f + 1;
	case 'z': case 't': *len = LEN_SIZE; return f + 1;
	case 'j': *len = LEN_LLONG; return f + 1;
	}
	return f;
}

/*
 * The argument of a length modifier: int and smaller were promoted to
 * int, and long, long long and size_t are one 64-bit slot each on x86-64
 * (the host tests' LP64 too), so two reads serve every length; the value
 * is then cut to its type's width and sign- or zero-extended back.
 */
static unsigned long long get_arg(va_list *ap, enum length len, bool is_signed)
{
	static const unsigned char bits[] = {
		[LEN_INT] = 32, [LEN_CHAR] = 8, [LEN_SHORT] = 16,
		[LEN_LONG] = 64, [LEN_LLONG] = 64, [LEN_SIZE] = 64,
	};
	unsigned int shift = 64 - bits[len];
	unsigned long long v;

	_Static_assert(sizeof(long) == sizeof(long long) && sizeof(size_t) == sizeof(long),
		       "one va_arg read for every 64-bit length");
	if (len >= LEN_LONG)
		return va_arg(*ap, unsigned long long);
	v = (unsigned long long)va_arg(*ap, unsigned int) << shift;
	return is_signed ? (unsigned long long)((long long)v >> shift) : v >> shift;
}

/* One conversion after the '%'; returns the format position after it. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	struct spec sp = { .prec = -1, .base = 10 };
	enum length len;
	long long sv;
	char c;

	f = parse_flags(f, &sp);
	if (*f == '*') {
		sp.width = va_arg(*ap, int);
		if (sp.width < 0) {
			sp.left = true;
			sp.width = -sp.width;
		}
		f++;
	} else {
		f = parse_int(f, &sp.width);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			sp.prec = va_arg(*ap, int);
			if (sp.prec < 0)
				sp.prec = -1;
			f++;
		} else {
			f = parse_int(f, &sp.prec);
		}
	}
	f = parse_length(f, &len);

	switch (*f) {
	case 'd':
	case 'i':
		sp.is_signed = true;
		sv = (long long)get_arg(ap, len, true);
		put_num(o, &sp, sv < 0 ? -(unsigned long long)sv : (unsigned long long)sv,
			sv < 0);
		break;
	case 'u':
		put_num(o, &sp, get_arg(ap, len, false), false);
		break;
	case 'X':
		sp.upper = true;
		/* fall through */
	case 'x':
		sp.base = 16;
		put_num(o, &sp, get_arg(ap, len, false), false);
		break;
	case 'o':
		sp.base = 8;
		put_num(o, &sp, get_arg(ap, len, false), false);
		break;
	case 'p':
		sp.base = 16;
		sp.alt = true;
		if (sp.prec < 0 && !sp.width)
			sp.prec = 16;
		put_num(o, &sp, (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(o, &sp, &c, 1);
		break;
	case 's':
		put_str(o, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		put(o, '%');
		break;
	default:
		/* Unknown conversion: print it as it stands, so it is seen. */
		put(o, '%');
		if (!*f)
			return f;
		put(o, *f);
		break;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = convert(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
