/* ext4 through libext2fs (see ext4.h), following mke2fs's order:
 * initialize, allocate tables, reserve the special inodes, root and
 * lost+found, resize inode, journal, close. The target file is fresh and
 * zero-filled, so inode tables are flagged zeroed without being written. */
#include "ext4.h"

#include <ext2fs/ext2fs.h>
#include <string.h>

#define BLOCK		 4096
#define LOST_FOUND_BYTES 16384

static int e2fail(struct sk_err *err, errcode_t rc, const char *what)
{
	return sk_fail(err, 0, "%s: %s", what, error_message(rc));
}

static void set_params(struct ext2_super_block *s, const struct ext4_params *p)
{
	memset(s, 0, sizeof *s);
	ext2fs_blocks_count_set(s, p->bytes / BLOCK);
	s->s_log_block_size = 2; /* 1024 << 2 */
	s->s_rev_level = EXT2_DYNAMIC_REV;
	s->s_inode_size = 256;
	s->s_min_extra_isize = s->s_want_extra_isize = 32;
	s->s_log_groups_per_flex = 4;
	s->s_feature_compat = EXT2_FEATURE_COMPAT_RESIZE_INODE | EXT2_FEATURE_COMPAT_DIR_INDEX |
			      EXT2_FEATURE_COMPAT_EXT_ATTR;
	s->s_feature_incompat = EXT2_FEATURE_INCOMPAT_FILETYPE | EXT3_FEATURE_INCOMPAT_EXTENTS |
				EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_64BIT;
	s->s_feature_ro_compat =
	    EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE |
	    EXT4_FEATURE_RO_COMPAT_HUGE_FILE | EXT4_FEATURE_RO_COMPAT_DIR_NLINK |
	    EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE | EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;
}

static void set_identity(ext2_filsys fs, const struct ext4_params *p)
{
	struct ext2_super_block *s = fs->super;

	memcpy(s->s_uuid, p->uuid, 16);
	memcpy(s->s_hash_seed, p->hash_seed, 16);
	s->s_def_hash_version = EXT2_HASH_HALF_MD4;
	s->s_checksum_type = EXT2_CRC32C_CHKSUM;
	strncpy((char *)s->s_volume_name, p->label, sizeof s->s_volume_name);
	s->s_mkfs_time = s->s_lastcheck = s->s_wtime = (__u32)p->now;
	s->s_max_mnt_count = (__u16)-1;
	ext2fs_init_csum_seed(fs);
}

static void mark_tables_zeroed(ext2_filsys fs)
{
	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		ext2fs_bg_flags_set(fs, g, EXT2_BG_INODE_ZEROED);
		ext2fs_group_desc_csum_set(fs, g);
	}
}

static void reserve_inodes(ext2_filsys fs)
{
	for (ext2_ino_t i = EXT2_ROOT_INO + 1; i < EXT2_FIRST_INODE(fs->super); i++)
		ext2fs_inode_alloc_stats2(fs, i, +1, 0);
	ext2fs_mark_ib_dirty(fs);
}

static int make_dirs(ext2_filsys fs, struct sk_err *err)
{
	ext2_ino_t lf;
	struct ext2_inode inode;
	errcode_t rc;

	if ((rc = ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, 0)))
		return e2fail(err, rc, "root directory");
	if ((rc = ext2fs_mkdir(fs, EXT2_ROOT_INO, 0, "lost+found")))
		return e2fail(err, rc, "lost+found");
	if ((rc = ext2fs_lookup(fs, EXT2_ROOT_INO, "lost+found", 10, 0, &lf)))
		return e2fail(err, rc, "lost+found");
	/* e2fsck wants room in lost+found without allocating, as mke2fs makes it. */
	for (;;) {
		if ((rc = ext2fs_read_inode(fs, lf, &inode)))
			return e2fail(err, rc, "lost+found");
		if (EXT2_I_SIZE(&inode) >= LOST_FOUND_BYTES)
			break;
		if ((rc = ext2fs_expand_dir(fs, lf)))
			return e2fail(err, rc, "lost+found");
	}
	return 0;
}

static int special_inodes(ext2_filsys fs, struct sk_err *err)
{
	struct ext2fs_journal_params jp;
	errcode_t rc;

	ext2fs_mark_inode_bitmap2(fs->inode_map, EXT2_BAD_INO);
	ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
	if ((rc = ext2fs_update_bb_inode(fs, NULL)))
		return e2fail(err, rc, "bad block inode");
	if ((rc = ext2fs_create_resize_inode(fs)))
		return e2fail(err, rc, "resize inode");
	if ((rc = ext2fs_get_journal_params(&jp, fs)))
		return e2fail(err, rc, "journal size");
	if ((rc = ext2fs_add_journal_inode3(fs, &jp, ~0ULL,
					    EXT2_MKJOURNAL_NO_MNT_CHECK | EXT2_MKJOURNAL_LAZYINIT)))
		return e2fail(err, rc, "journal");
	return 0;
}

static int build(ext2_filsys fs, const struct ext4_params *p, struct sk_err *err)
{
	errcode_t rc;

	fs->now = p->now ? p->now : 1; /* 0 would mean "the current time" */
	set_identity(fs, p);
	if ((rc = ext2fs_allocate_tables(fs)))
		return e2fail(err, rc, "allocating tables");
	if ((rc = ext2fs_convert_subcluster_bitmap(fs, &fs->block_map)))
		return e2fail(err, rc, "block bitmap");
	mark_tables_zeroed(fs);
	if (make_dirs(fs, err) < 0)
		return -1;
	reserve_inodes(fs);
	return special_inodes(fs, err);
}

int ext4_write(const char *path, const struct ext4_params *p, struct sk_err *err)
{
	struct ext2_super_block param;
	ext2_filsys fs = NULL;
	errcode_t rc;

	initialize_ext2_error_table();
	set_params(&param, p);
	if ((rc = ext2fs_initialize(path, EXT2_FLAG_RW | EXT2_FLAG_64BITS, &param, unix_io_manager,
				    &fs)))
		return e2fail(err, rc, "ext4: initialize");
	if (build(fs, p, err) < 0) {
		ext2fs_free(fs);
		return sk_wrap(err, "ext4");
	}
	fs->super->s_wtime = (__u32)fs->now;
	if ((rc = ext2fs_close_free(&fs)))
		return e2fail(err, rc, "ext4: writing");
	return 0;
}
