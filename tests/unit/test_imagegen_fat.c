/* The FAT32 writer through fat.h: names (8.3 in either case, long names
 * with their aliases), repeated directories, and refusals by path. The
 * layout itself is checked by fsck.fat and mtools in tests/host. */
#include "check.h"
#include "../../imagegen/fat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VOLUME (64ull << 20)

static struct sk_err err;

static int write_files(const struct fat_file *files, size_t n)
{
	FILE *tmp = tmpfile();
	struct fat_volume v = {.bytes = VOLUME, .volume_id = 1, .label = "ESP", .mtime = 0};
	int rc;

	if (!tmp || ftruncate(fileno(tmp), (off_t)VOLUME) < 0)
		return -2;
	memset(&err, 0, sizeof err);
	rc = fat_write(fileno(tmp), &v, files, n, &err);
	fclose(tmp);
	return rc;
}

TEST(esp_names)
{
	static const uint8_t data[] = "x";
	struct fat_file f[] = {
	    {"EFI/BOOT/BOOTX64.EFI", data, 1},	    {"loader/loader.conf", data, 1},
	    {"EFI/Linux/skiff-a.efi", data, 1},	    {"EFI/Linux/skiff-b+1-0.efi", data, 1},
	    {"EFI/Linux/skiff-c+1-0.efi", data, 1}, {"EFI/Linux/Mixed.efi", data, 1},
	};
	CHECK(write_files(f, sizeof f / sizeof *f) == 0);
}

TEST(refusals_name_the_path)
{
	static const uint8_t data[] = "x";
	struct fat_file twice[] = {{"EFI/Linux/a.efi", data, 1}, {"EFI/Linux/a.efi", data, 1}};
	struct fat_file bad[] = {{"EFI/a b.efi", data, 1}};
	struct fat_file file_as_dir[] = {{"EFI", data, 1}, {"EFI/x", data, 1}};

	CHECK(write_files(twice, 2) == -1);
	CHECK_STREQ(err.msg, "FAT32: EFI/Linux/a.efi: already exists");
	CHECK(write_files(bad, 1) == -1);
	CHECK_STREQ(err.msg, "FAT32: EFI/a b.efi: invalid name (A-Z a-z 0-9 . _ - +, at most 52)");
	CHECK(write_files(file_as_dir, 2) == -1);
	CHECK_STREQ(err.msg, "FAT32: EFI/x: already exists");
}

int main(void)
{
	RUN(esp_names);
	RUN(refusals_name_the_path);
	return check_summary();
}
