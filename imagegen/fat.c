/* FAT32 writer (Microsoft FAT specification, "FAT32 File System
 * Specification" 1.03): boot sector + FSInfo (and their backups at sector
 * 6), two FATs, then clusters handed out in order: the root directory,
 * then each directory followed by what it holds. */
#include "fat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "disk_io.h"

#define SECTOR	     512
#define RESERVED     32
#define N_FATS	     2
#define MIN_CLUSTERS 65525
#define DIRENT	     32
#define ATTR_VOLUME  0x08
#define ATTR_DIR     0x10
#define ATTR_ARCHIVE 0x20
#define FAT_EOC	     0x0fffffffu
#define ATTR_LFN     0x0f
#define LFN_CHARS    13 /* UCS-2 characters per long-name entry */
#define LFN_MAX	     (4 * LFN_CHARS)

struct node {
	char name[11];
	uint8_t ncase;		     /* CASE_LOWER_* */
	char long_name[LFN_MAX + 1]; /* "" when the 8.3 name says it all */
	int is_dir, parent;
	const uint8_t *data;
	uint64_t len; /* file bytes, or directory bytes once laid out */
	uint32_t first_cluster, n_clusters;
};

struct layout {
	struct node nodes[FAT_MAX_NODES];
	int n;
	uint32_t spc, fat_sectors, clusters, next_cluster;
	uint64_t data_off; /* of cluster 2, relative to the volume */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16));
}

#define CASE_LOWER_BASE 0x08 /* Windows NT's case bits, honoured by Linux and EDK2 */
#define CASE_LOWER_EXT	0x10

/* The case of S[0..LEN): CASE_LOWER_BASE if lower, 0 if upper (or no
 * letters), -1 if mixed (kept in a long name). */
static int part_case(const char *s, size_t len)
{
	int lower = 0, upper = 0;

	for (size_t i = 0; i < len; i++)
		lower |= s[i] >= 'a' && s[i] <= 'z', upper |= s[i] >= 'A' && s[i] <= 'Z';
	return lower && upper ? -1 : lower ? CASE_LOWER_BASE : 0;
}

/* "BOOTX64.EFI" -> "BOOTX64 EFI"; "skiff-a.efi" -> "SKIFF-A EFI" with
 * both case bits set in *NCASE. Returns 1 for a valid 8.3 name in mixed
 * case ("Linux": the upper-case alias plus a long name), -1 if not 8.3. */
static int short_name(const char *s, size_t len, char out[11], uint8_t *ncase)
{
	const char *dot = memchr(s, '.', len);
	size_t base = dot ? (size_t)(dot - s) : len, ext = dot ? len - base - 1 : 0;
	int bc = part_case(s, base), ec = dot ? part_case(dot + 1, ext) : 0;

	if (base == 0 || base > 8 || ext > 3)
		return -1;
	memset(out, ' ', 11);
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_-.", s[i])) ||
		    (s[i] == '.' && s + i != dot))
			return -1;
	for (size_t i = 0; i < base; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	for (size_t i = 0; i < ext; i++)
		out[8 + i] =
		    (char)(dot[1 + i] >= 'a' && dot[1 + i] <= 'z' ? dot[1 + i] - 32 : dot[1 + i]);
	*ncase = (uint8_t)((bc > 0 ? bc : 0) | (ec > 0 ? CASE_LOWER_EXT : 0));
	return bc < 0 || ec < 0 ? 1 : 0;
}

/* A name that is not 8.3 ("loader.conf", "skiff-b+1-0.efi") gets long-name
 * entries and the alias "LOADER~1CON", numbered past its siblings'. */
static int long_name(const char *s, size_t len, char out[11])
{
	const char *dot = NULL;
	size_t n = 0;

	if (len == 0 || len > LFN_MAX || s[0] == '.')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_-.+", s[i])))
			return -1;
		if (s[i] == '.')
			dot = s + i;
	}
	memset(out, ' ', 11);
	for (size_t i = 0; i < len && s + i != dot && n < 6; i++)
		if (s[i] != '.' && s[i] != '+')
			out[n++] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	for (size_t i = 0; dot && i < 3 && dot + 1 + i < s + len; i++)
		out[8 + i] =
		    (char)(dot[1 + i] >= 'a' && dot[1 + i] <= 'z' ? dot[1 + i] - 32 : dot[1 + i]);
	out[n] = '~', out[n + 1] = '1';
	return 0;
}

static int find_child(const struct layout *l, int parent, const char name[11])
{
	for (int i = 1; i < l->n; i++)
		if (l->nodes[i].parent == parent && memcmp(l->nodes[i].name, name, 11) == 0)
			return i;
	return -1;
}

static int find_long(const struct layout *l, int parent, const char *name, size_t len)
{
	for (int i = 1; i < l->n; i++)
		if (l->nodes[i].parent == parent && strlen(l->nodes[i].long_name) == len &&
		    memcmp(l->nodes[i].long_name, name, len) == 0)
			return i;
	return -1;
}

/* Bumps the ~N of NAME until no sibling has it. */
static int unique_alias(const struct layout *l, int parent, char name[11])
{
	char *tilde = memchr(name, '~', 8);

	if (!tilde)
		return find_child(l, parent, name) < 0 ? 0 : -1;
	for (char d = '1'; d <= '9'; d++) {
		tilde[1] = d;
		if (find_child(l, parent, name) < 0)
			return 0;
	}
	return -1;
}

static int add_node(struct layout *l, int parent, const char name[11], uint8_t ncase, int is_dir)
{
	if (l->n == FAT_MAX_NODES)
		return -1;
	struct node *nd = &l->nodes[l->n];
	memset(nd, 0, sizeof *nd);
	memcpy(nd->name, name, 11);
	nd->ncase = ncase;
	nd->is_dir = is_dir, nd->parent = parent;
	return l->n++;
}

/* A new entry; LONG (LEN bytes) is its long name, or NULL. */
static int new_entry(struct layout *l, int parent, char name[11], uint8_t ncase, int is_dir,
		     const char *long_name, size_t len)
{
	int at;

	if (long_name && unique_alias(l, parent, name) < 0)
		return -1;
	if ((at = add_node(l, parent, name, ncase, is_dir)) < 0)
		return -1;
	if (long_name)
		snprintf(l->nodes[at].long_name, sizeof l->nodes[at].long_name, "%.*s", (int)len,
			 long_name);
	return at;
}

static int add_file(struct layout *l, const struct fat_file *f, struct sk_err *err)
{
	const char *p = f->path;
	int parent = 0;

	for (;;) {
		size_t len = strcspn(p, "/");
		int last = p[len] == '\0', at;
		char name[11];
		uint8_t ncase = 0;
		int kind = short_name(p, len, name, &ncase), is_long = kind != 0;
		if (kind < 0 && long_name(p, len, name) < 0)
			return sk_fail(err, 0, "%s: invalid name (A-Z a-z 0-9 . _ - +, at most %d)",
				       f->path, LFN_MAX);
		at = is_long ? find_long(l, parent, p, len) : find_child(l, parent, name);
		if (at >= 0 && (last || !l->nodes[at].is_dir))
			return sk_fail(err, 0, "%s: already exists", f->path);
		if (at < 0 &&
		    (at = new_entry(l, parent, name, ncase, !last, is_long ? p : NULL, len)) < 0)
			return sk_fail(err, 0, "%s: more than %d entries or no free 8.3 alias",
				       f->path, FAT_MAX_NODES);
		if (last) {
			l->nodes[at].data = f->data, l->nodes[at].len = f->len;
			return 0;
		}
		parent = at, p += len + 1;
	}
}

static size_t lfn_entries(const struct node *nd)
{
	return (strlen(nd->long_name) + LFN_CHARS - 1) / LFN_CHARS;
}

static void count_clusters(struct layout *l, uint64_t bytes)
{
	uint64_t sectors = bytes / SECTOR, cluster_bytes;

	l->spc = bytes <= (256ull << 20) ? 1 : 8;
	cluster_bytes = (uint64_t)l->spc * SECTOR;
	uint64_t rough = (sectors - RESERVED) / l->spc + 2;
	l->fat_sectors = (uint32_t)((rough * 4 + SECTOR - 1) / SECTOR);
	l->clusters = (uint32_t)((sectors - RESERVED - N_FATS * (uint64_t)l->fat_sectors) / l->spc);
	l->data_off = (RESERVED + N_FATS * (uint64_t)l->fat_sectors) * SECTOR;
	/* Directory sizes: entries (".", ".." or the label) rounded to clusters. */
	for (int i = 0; i < l->n; i++) {
		if (!l->nodes[i].is_dir)
			continue;
		uint64_t entries = 2;
		for (int j = 1; j < l->n; j++)
			if (l->nodes[j].parent == i)
				entries += 1 + lfn_entries(&l->nodes[j]);
		l->nodes[i].len =
		    (entries * DIRENT + cluster_bytes - 1) / cluster_bytes * cluster_bytes;
	}
}

/* Depth first: a directory, then its files, then its subdirectories. */
static void assign_clusters(struct layout *l, int dir)
{
	uint64_t cb = (uint64_t)l->spc * SECTOR;
	struct node *d = &l->nodes[dir];

	d->first_cluster = l->next_cluster;
	d->n_clusters = (uint32_t)(d->len / cb);
	l->next_cluster += d->n_clusters;
	for (int pass = 0; pass < 2; pass++)
		for (int j = 1; j < l->n; j++) {
			struct node *c = &l->nodes[j];
			if (c->parent != dir || c->is_dir != pass)
				continue;
			if (pass) {
				assign_clusters(l, j);
				continue;
			}
			c->n_clusters = (uint32_t)((c->len + cb - 1) / cb);
			c->first_cluster = c->n_clusters ? l->next_cluster : 0;
			l->next_cluster += c->n_clusters;
		}
}

static void fat_date_time(time_t t, uint16_t *date, uint16_t *tm)
{
	struct tm g;

	if (t < 315532800) /* 1980-01-01, the earliest FAT date */
		t = 315532800;
	gmtime_r(&t, &g);
	if (g.tm_year > 207)
		g.tm_year = 207, g.tm_mon = 11, g.tm_mday = 31;
	*date = (uint16_t)((g.tm_year - 80) << 9 | (g.tm_mon + 1) << 5 | g.tm_mday);
	*tm = (uint16_t)(g.tm_hour << 11 | g.tm_min << 5 | g.tm_sec / 2);
}

static void dirent(uint8_t *e, const char name[11], uint8_t ncase, uint8_t attr, uint32_t cluster,
		   uint32_t size, time_t mtime)
{
	uint16_t date, tm;

	fat_date_time(mtime, &date, &tm);
	memset(e, 0, DIRENT);
	memcpy(e, name, 11);
	e[11] = attr, e[12] = ncase;
	if (!(attr & ATTR_VOLUME)) {
		put16(e + 14, tm), put16(e + 16, date), put16(e + 18, date);
		put16(e + 20, (uint16_t)(cluster >> 16)), put16(e + 26, (uint16_t)cluster);
		put32(e + 28, size);
	}
	put16(e + 22, tm), put16(e + 24, date);
}

static uint8_t alias_sum(const char name[11])
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + (uint8_t)name[i]);
	return sum;
}

/* The long-name entries of ND, last part first; returns where the short
 * entry goes. Characters past the name: one NUL, then 0xffff. */
static uint8_t *lfn_write(uint8_t *e, const struct node *nd)
{
	static const int at[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
	size_t n = lfn_entries(nd), len = strlen(nd->long_name);

	for (size_t k = n; k-- > 0; e += DIRENT) {
		memset(e, 0, DIRENT);
		e[0] = (uint8_t)((k + 1) | (k + 1 == n ? 0x40 : 0));
		e[11] = ATTR_LFN, e[13] = alias_sum(nd->name);
		for (size_t c = 0; c < LFN_CHARS; c++) {
			size_t i = k * LFN_CHARS + c;
			uint16_t ch = i < len ? (uint8_t)nd->long_name[i] : i == len ? 0 : 0xffff;
			put16(e + at[c], ch);
		}
	}
	return e;
}

static int write_dir(int fd, const struct fat_volume *v, const struct layout *l, int dir,
		     struct sk_err *err)
{
	const struct node *d = &l->nodes[dir];
	SK_AUTOFREE uint8_t *buf = calloc(1, d->len);
	uint8_t *e = buf;
	char label[11];

	if (!buf)
		return sk_fail(err, ENOMEM, "FAT directory");
	if (dir == 0) {
		memset(label, ' ', 11);
		memcpy(label, v->label, strnlen(v->label, 11));
		dirent(e, label, 0, ATTR_VOLUME, 0, 0, v->mtime), e += DIRENT;
	} else {
		uint32_t up = d->parent == 0 ? 0 : l->nodes[d->parent].first_cluster;
		dirent(e, ".          ", 0, ATTR_DIR, d->first_cluster, 0, v->mtime), e += DIRENT;
		dirent(e, "..         ", 0, ATTR_DIR, up, 0, v->mtime), e += DIRENT;
	}
	for (int j = 1; j < l->n; j++) {
		const struct node *c = &l->nodes[j];
		if (c->parent != dir)
			continue;
		e = lfn_write(e, c);
		dirent(e, c->name, c->ncase, c->is_dir ? ATTR_DIR : ATTR_ARCHIVE, c->first_cluster,
		       c->is_dir ? 0 : (uint32_t)c->len, v->mtime);
		e += DIRENT;
	}
	uint64_t at = v->offset + l->data_off + (uint64_t)(d->first_cluster - 2) * l->spc * SECTOR;
	return pwrite_all(fd, buf, d->len, at, err);
}

static int write_fats(int fd, const struct fat_volume *v, const struct layout *l,
		      struct sk_err *err)
{
	size_t bytes = (size_t)l->fat_sectors * SECTOR;
	SK_AUTOFREE uint8_t *fat = calloc(1, bytes);

	if (!fat)
		return sk_fail(err, ENOMEM, "FAT");
	put32(fat, 0x0ffffff8), put32(fat + 4, FAT_EOC);
	for (int i = 0; i < l->n; i++) {
		const struct node *nd = &l->nodes[i];
		for (uint32_t c = 0; c < nd->n_clusters; c++) {
			uint32_t cl = nd->first_cluster + c;
			put32(fat + 4 * (size_t)cl, c + 1 == nd->n_clusters ? FAT_EOC : cl + 1);
		}
	}
	for (int k = 0; k < N_FATS; k++)
		if (pwrite_all(fd, fat, bytes,
			       v->offset + (RESERVED + (uint64_t)k * l->fat_sectors) * SECTOR,
			       err) < 0)
			return -1;
	return 0;
}

static void boot_sector(uint8_t *b, const struct fat_volume *v, const struct layout *l)
{
	char label[11];

	memset(b, 0, SECTOR);
	memcpy(b, "\xeb\x58\x90SKIFF   ", 11);
	put16(b + 11, SECTOR), b[13] = (uint8_t)l->spc, put16(b + 14, RESERVED), b[16] = N_FATS;
	b[21] = 0xf8;
	put16(b + 24, 32), put16(b + 26, 64), put32(b + 28, v->hidden_sectors);
	put32(b + 32, (uint32_t)(v->bytes / SECTOR)), put32(b + 36, l->fat_sectors);
	put32(b + 44, 2), put16(b + 48, 1), put16(b + 50, 6);
	b[64] = 0x80, b[66] = 0x29, put32(b + 67, v->volume_id);
	memset(label, ' ', 11);
	memcpy(label, v->label, strnlen(v->label, 11));
	memcpy(b + 71, label, 11), memcpy(b + 82, "FAT32   ", 8);
	b[510] = 0x55, b[511] = 0xaa;
}

static int write_reserved(int fd, const struct fat_volume *v, const struct layout *l,
			  struct sk_err *err)
{
	uint8_t s[2 * SECTOR];

	boot_sector(s, v, l);
	memset(s + SECTOR, 0, SECTOR);
	put32(s + SECTOR, 0x41615252), put32(s + SECTOR + 484, 0x61417272);
	put32(s + SECTOR + 488, l->clusters - (l->next_cluster - 2));
	put32(s + SECTOR + 492, l->next_cluster);
	put32(s + SECTOR + 508, 0xaa550000);
	if (pwrite_all(fd, s, sizeof s, v->offset, err) < 0 ||
	    pwrite_all(fd, s, sizeof s, v->offset + 6 * SECTOR, err) < 0)
		return -1;
	return 0;
}

static int layout_volume(struct layout *l, const struct fat_volume *v, const struct fat_file *files,
			 size_t n, struct sk_err *err)
{
	memset(l, 0, sizeof *l);
	l->n = 1;
	l->nodes[0].is_dir = 1, l->nodes[0].parent = -1;
	if (v->bytes < FAT_MIN_BYTES || v->bytes % SECTOR)
		return sk_fail(err, 0, "FAT32 needs at least %llu MiB", FAT_MIN_BYTES >> 20);
	for (size_t i = 0; i < n; i++)
		if (add_file(l, &files[i], err) < 0)
			return -1;
	count_clusters(l, v->bytes);
	l->next_cluster = 2;
	assign_clusters(l, 0);
	if (l->clusters < MIN_CLUSTERS)
		return sk_fail(err, 0, "%u clusters, FAT32 needs %d", l->clusters, MIN_CLUSTERS);
	if (l->next_cluster - 2 > l->clusters)
		return sk_fail(err, 0, "files need %u clusters, the volume has %u",
			       l->next_cluster - 2, l->clusters);
	return 0;
}

int fat_write(int fd, const struct fat_volume *v, const struct fat_file *files, size_t n,
	      struct sk_err *err)
{
	struct layout *l = calloc(1, sizeof *l);
	int rc = 0;

	if (!l)
		return sk_fail(err, ENOMEM, "FAT layout");
	if (layout_volume(l, v, files, n, err) < 0 || write_reserved(fd, v, l, err) < 0 ||
	    write_fats(fd, v, l, err) < 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < l->n; i++) {
		const struct node *nd = &l->nodes[i];
		uint64_t at =
		    v->offset + l->data_off + (uint64_t)(nd->first_cluster - 2) * l->spc * SECTOR;
		if (nd->is_dir)
			rc = write_dir(fd, v, l, i, err);
		else if (nd->len)
			rc = pwrite_all(fd, nd->data, nd->len, at, err);
	}
	free(l);
	return rc < 0 ? sk_wrap(err, "FAT32") : 0;
}
