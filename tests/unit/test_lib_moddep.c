#include "check.h"
#include "moddep.h"

#include <stdlib.h>

static const char dep[] =
    "kernel/net/802/p8022.ko: kernel/net/llc/llc.ko\n"
    "kernel/net/802/stp.ko: kernel/net/llc/llc.ko\n"
    "kernel/net/802/garp.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko\n"
    "kernel/net/8021q/8021q.ko: kernel/net/802/garp.ko kernel/net/802/stp.ko "
    "kernel/net/802/mrp.ko kernel/net/llc/llc.ko\n"
    "kernel/net/802/mrp.ko:\n"
    "kernel/net/llc/llc.ko:\n"
    "kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko\n"
    "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko\n"
    "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
    "kernel/net/core/failover.ko:\n"
    "kernel/drivers/input/dm-mod-x.ko:\n";
static const char builtin[] = "kernel/fs/ext4/ext4.ko\nkernel/drivers/block/virtio_blk.ko\n";

static size_t index_of(const char **paths, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], p) == 0)
			return i;
	return (size_t)-1;
}

TEST(dependencies_come_first)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[16];
	size_t n = 0;
	CHECK(moddep_parse(dep, builtin, &md, &err) == 0);
	CHECK(moddep_resolve(md, "bridge", paths, &n, 16, &err) == 0);
	CHECK(n == 3);
	CHECK_STREQ(paths[0], "kernel/net/llc/llc.ko");
	CHECK_STREQ(paths[1], "kernel/net/802/stp.ko");
	CHECK_STREQ(paths[2], "kernel/net/bridge/bridge.ko");
	moddep_free(md);
}

TEST(every_module_after_its_dependencies)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[16];
	size_t n = 0;
	CHECK(moddep_parse(dep, NULL, &md, &err) == 0);
	CHECK(moddep_resolve(md, "8021q", paths, &n, 16, &err) == 0);
	CHECK(n == 5);
	size_t llc = index_of(paths, n, "kernel/net/llc/llc.ko");
	size_t stp = index_of(paths, n, "kernel/net/802/stp.ko");
	size_t garp = index_of(paths, n, "kernel/net/802/garp.ko");
	size_t mrp = index_of(paths, n, "kernel/net/802/mrp.ko");
	CHECK(llc < stp && stp < garp && mrp < n - 1);
	CHECK_STREQ(paths[n - 1], "kernel/net/8021q/8021q.ko");
	moddep_free(md);
}

TEST(shared_dependencies_are_not_repeated)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[16];
	size_t n = 0;
	CHECK(moddep_parse(dep, builtin, &md, &err) == 0);
	CHECK(moddep_resolve(md, "stp", paths, &n, 16, &err) == 0);
	CHECK(moddep_resolve(md, "bridge", paths, &n, 16, &err) == 0);
	CHECK(moddep_resolve(md, "p8022", paths, &n, 16, &err) == 0);
	CHECK(n == 4);
	CHECK_STREQ(paths[3], "kernel/net/802/p8022.ko");
	moddep_free(md);
}

TEST(dash_and_underscore_are_equal)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[4];
	size_t n = 0;
	CHECK(moddep_parse(dep, builtin, &md, &err) == 0);
	CHECK(moddep_resolve(md, "dm_mod_x", paths, &n, 4, &err) == 0);
	CHECK(n == 1);
	CHECK(moddep_resolve(md, "virtio-net", paths, &n, 4, &err) == 0);
	CHECK(n == 4);
	moddep_free(md);
}

TEST(builtin_adds_nothing_unknown_fails)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[4];
	size_t n = 0;
	CHECK(moddep_parse(dep, builtin, &md, &err) == 0);
	CHECK(moddep_is_builtin(md, "virtio_blk"));
	CHECK(!moddep_is_builtin(md, "bridge"));
	CHECK(moddep_resolve(md, "ext4", paths, &n, 4, &err) == 0);
	CHECK(n == 0);
	CHECK(moddep_resolve(md, "virtio_blkk", paths, &n, 4, &err) == -1);
	CHECK_STREQ(err.msg, "no module \"virtio_blkk\"");
	moddep_free(md);
}

/* The micro kernel has no loadable modules: an empty modules.dep and
 * everything in modules.builtin. */
TEST(kernel_without_modules)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[4];
	size_t n = 0;
	CHECK(moddep_parse("", "kernel/drivers/net/virtio_net.ko\nkernel/net/bridge/bridge.ko\n",
			   &md, &err) == 0);
	CHECK(moddep_is_builtin(md, "virtio-net"));
	CHECK(moddep_resolve(md, "bridge", paths, &n, 4, &err) == 0);
	CHECK(n == 0);
	CHECK(moddep_resolve(md, "veth", paths, &n, 4, &err) == -1);
	CHECK_STREQ(err.msg, "no module \"veth\"");
	moddep_free(md);
}

TEST(capacity_and_malformed)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[2];
	size_t n = 0;
	CHECK(moddep_parse(dep, NULL, &md, &err) == 0);
	CHECK(moddep_resolve(md, "8021q", paths, &n, 2, &err) == -1);
	CHECK(strstr(err.msg, "too many modules") != NULL);
	moddep_free(md);
	CHECK(moddep_parse("a.ko: b.ko\nno colon here\n", NULL, &md, &err) == -1);
	CHECK_STREQ(err.msg, "modules.dep:2: expected \"path: deps\"");
	CHECK(moddep_parse("a.ko: missing.ko\n", NULL, &md, &err) == 0);
	n = 0;
	CHECK(moddep_resolve(md, "a", paths, &n, 2, &err) == -1);
	CHECK(strstr(err.msg, "missing.ko not in modules.dep") != NULL);
	moddep_free(md);
}

TEST(cycle_is_an_error)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *paths[8];
	size_t n = 0;
	CHECK(moddep_parse("a.ko: b.ko\nb.ko: a.ko\n", NULL, &md, &err) == 0);
	CHECK(moddep_resolve(md, "a", paths, &n, 8, &err) == -1);
	CHECK(strstr(err.msg, "cycle") != NULL);
	moddep_free(md);
}

TEST(real_kernel_tree_loads)
{
	struct sk_err err = {0};
	struct moddep *md;
	const char *dir = getenv("SKIFF_TEST_MODULES");
	CHECK(moddep_load(dir, &md, &err) == 0);
	const char *paths[16];
	size_t n = 0;
	CHECK(moddep_resolve(md, "bridge", paths, &n, 16, &err) == 0);
	CHECK(n == 3);
	moddep_free(md);
}

int main(void)
{
	RUN(dependencies_come_first);
	RUN(every_module_after_its_dependencies);
	RUN(shared_dependencies_are_not_repeated);
	RUN(dash_and_underscore_are_equal);
	RUN(builtin_adds_nothing_unknown_fails);
	RUN(kernel_without_modules);
	RUN(capacity_and_malformed);
	RUN(cycle_is_an_error);
	if (getenv("SKIFF_TEST_MODULES")) /* tests/run sets it to the image kernel's */
		RUN(real_kernel_tree_loads);
	return check_summary();
}
