/* The image worker and the runtime's side of it (see image_worker.h).
 *
 * The runtime forks the worker, which confines itself and runs the pull or
 * load. The worker writes blobs (each enters blobs/ only by rename after
 * its size and digest were checked) and unpacks layers into tmp/; all
 * else is the runtime's: it makes opaque directories opaque (a trusted.*
 * attribute needs CAP_SYS_ADMIN, which the worker drops), moves each
 * complete layer into layers/, and records the image names. Every
 * message is checked for size and shape; paths are never taken from the
 * worker: the runtime derives them from the diff ID and the worker's pid.
 * When the worker fails or dies, what it unpacked is removed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "image_internal.h"
#include "image_worker.h"

static int worker_fd = -1;

int image_worker_fd(void)
{
	return worker_fd;
}

int image_worker_send(enum worker_msg type, const void *data, size_t len)
{
	char buf[sizeof(struct wmsg_hdr) + WMSG_MAX];
	struct wmsg_hdr h = {(uint32_t)type, (uint32_t)(len > WMSG_MAX ? WMSG_MAX : len)};

	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, data, h.len);
	return send(worker_fd, buf, sizeof h + h.len, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

void image_layer_tmp(const char *data_dir, const char *diff_id, int pid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/tmp/layer-%.16s-%d", data_dir, diff_id + 7, pid);
}

/* ---- the worker ---- */

static ssize_t progress_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	image_worker_send(WMSG_PROGRESS, buf, len);
	return (ssize_t)len;
}

/* The auth file is out of the worker's sight once confined: its
 * credentials for this registry are looked up before. */
static int resolve_creds(struct image_opts *o, const char *ref, struct sk_err *err)
{
	static char creds[1024];
	struct image_ref r;

	if (!ref || image_ref_parse(ref, &r, NULL) < 0)
		return 0;
	if (auth_find_creds(o, r.registry, creds, sizeof creds, err) < 0)
		return -1;
	if (creds[0])
		o->creds = creds;
	return 0;
}

static void worker_main(struct image_opts o, const char *ref, const char *layout, const char *name,
			int sock) __attribute__((noreturn));
static void worker_main(struct image_opts o, const char *ref, const char *layout, const char *name,
			int sock)
{
	struct sk_err err = {0};
	struct image_info one, *many = NULL;
	size_t n = 0;
	int rc;

	/* Nothing of the caller's but stdio and the socket: in the agent, its
	 * etcd connections stay out of reach. */
	worker_fd = sock == 3 ? 3 : dup2(sock, 3);
	syscall(SYS_close_range, 4U, ~0U, 0U);
	if (o.progress) {
		cookie_io_functions_t io = {.write = progress_write};
		o.progress = fopencookie(NULL, "w", io);
		if (o.progress)
			setvbuf(o.progress, NULL, _IOLBF, 0);
	}
	rc = resolve_creds(&o, ref, &err);
	if (rc == 0)
		rc = image_sandbox_enter(&o, &layout, &err);
	if (rc == 0)
		rc = layout ? image_load_here(&o, layout, name, &many, &n, &err)
			    : image_pull_here(&o, ref, &one, &err);
	if (o.progress)
		fflush(o.progress);
	if (rc < 0)
		image_worker_send(WMSG_ERROR, err.msg, strlen(err.msg) + 1);
	_exit(rc < 0 ? 1 : 0);
}

/* ---- the runtime's side ---- */

struct job {
	const struct image_opts *o;
	const char *data;
	pid_t worker;
	struct image_info *infos;
	size_t ninfos;
	char **opaque; /* of the layer being unpacked */
	size_t nopaque;
	char error[WMSG_MAX + 1];
};

/* A relative path without "." or ".." components. */
static int valid_path(const char *p)
{
	if (p[0] == '/' || strlen(p) >= PATH_MAX)
		return 0;
	for (const char *c = p; *c; c += strcspn(c, "/"), c += *c == '/') {
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
	}
	return 1;
}

/* Opens DIR/REL one component at a time, never through a symlink. */
static int open_below(int dir, const char *rel)
{
	char buf[PATH_MAX];
	int fd = dup(dir);

	snprintf(buf, sizeof buf, "%s", rel);
	for (char *save, *c = strtok_r(buf, "/", &save); c && fd >= 0;
	     c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

static int finish_layer(struct job *j, const char *diff_id, struct sk_err *err)
{
	char tmp[700], final[700];

	if (digest_check(diff_id, err) < 0)
		return sk_wrap(err, "image worker: layer message");
	image_layer_tmp(j->data, diff_id, (int)j->worker, tmp, sizeof tmp);
	snprintf(final, sizeof final, "%.500s/layers/sha256/%.64s", j->data, diff_id + 7);
	SK_AUTOCLOSE int root = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return sk_fail(err, errno, "image worker: layer %s: open %s", diff_id, tmp);
	for (size_t i = 0; i < j->nopaque; i++) {
		SK_AUTOCLOSE int d = open_below(root, j->opaque[i]);
		if (d < 0 || fsetxattr(d, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return sk_fail(err, errno, "layer %s: make \"%s\" opaque", diff_id,
				       j->opaque[i]);
	}
	/* The rename marks the layer complete; a racing puller's copy is dropped. */
	if (rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		return sk_fail(err, errno, "rename %s", tmp);
	remove_tree_at(AT_FDCWD, tmp, NULL);
	for (size_t i = 0; i < j->nopaque; i++)
		free(j->opaque[i]);
	j->nopaque = 0;
	return 0;
}

static int take_text(const char *p, size_t len, char *out, size_t size)
{
	if (len == 0 || len >= size || memchr(p, '\0', len - 1))
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int take_info(struct job *j, const char *p, size_t len, struct sk_err *err)
{
	struct image_info info;

	if (len != sizeof info)
		return sk_fail(err, 0, "image worker: result of %zu bytes", len);
	memcpy(&info, p, sizeof info);
	info.name[sizeof info.name - 1] = info.digest[sizeof info.digest - 1] = '\0';
	info.config[sizeof info.config - 1] = '\0';
	if (!info.name[0] || digest_check(info.digest, err) < 0 ||
	    digest_check(info.config, err) < 0)
		return sk_fail(err, 0, "image worker: malformed result");
	struct image_info *v = realloc(j->infos, (j->ninfos + 1) * sizeof *v);
	if (!v)
		return sk_fail(err, ENOMEM, "image worker");
	j->infos = v;
	v[j->ninfos++] = info;
	return 0;
}

static int handle(struct job *j, int sock, const struct wmsg_hdr *h, const char *p,
		  struct sk_err *err)
{
	char text[WMSG_MAX + 1];

	if (h->type == WMSG_RESULT)
		return take_info(j, p, h->len, err);
	if (take_text(p, h->len, text, sizeof text) < 0)
		return sk_fail(err, 0, "image worker: malformed message %u", h->type);
	switch (h->type) {
	case WMSG_PROGRESS:
		if (j->o->progress)
			fputs(text, j->o->progress);
		return 0;
	case WMSG_ERROR:
		snprintf(j->error, sizeof j->error, "%s", text);
		return 0;
	case WMSG_LAYER:
		if (finish_layer(j, text, err) < 0)
			return -1;
		return send(sock, "k", 1, MSG_NOSIGNAL) == 1 ? 0
							     : sk_fail(err, errno, "image worker");
	case WMSG_OPAQUE: {
		char **v = realloc(j->opaque, (j->nopaque + 1) * sizeof *v);
		if (!valid_path(text))
			return sk_fail(err, 0, "image worker: bad opaque path");
		if (!v || !(v[j->nopaque] = strdup(text)))
			return sk_fail(err, ENOMEM, "image worker");
		j->opaque = v;
		j->nopaque++;
		return 0;
	}
	}
	return sk_fail(err, 0, "image worker: unknown message %u", h->type);
}

/* Reads messages until the worker closes its end. */
static int converse(struct job *j, int sock, struct sk_err *err)
{
	char buf[sizeof(struct wmsg_hdr) + WMSG_MAX + 1];
	struct wmsg_hdr h;

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		memcpy(&h, buf, n >= (ssize_t)sizeof h ? sizeof h : 0);
		if (n < (ssize_t)sizeof h || h.len > WMSG_MAX || (size_t)n != sizeof h + h.len)
			return sk_fail(err, 0, "image worker: message of %zd bytes", n);
		if (handle(j, sock, &h, buf + sizeof h, err) < 0)
			return -1;
	}
}

/* Whatever the worker left unpacked in tmp/ goes. */
static void sweep(const char *data, pid_t worker)
{
	char dir[600], suffix[32];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s/tmp", data);
	snprintf(suffix, sizeof suffix, "-%d", (int)worker);
	if (!(d = opendir(dir)))
		return;
	SK_AUTOCLOSE int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), s = strlen(suffix);
		if (strncmp(e->d_name, "layer-", 6) == 0 && n > s &&
		    strcmp(e->d_name + n - s, suffix) == 0)
			remove_tree_at(dfd, e->d_name, NULL);
	}
	closedir(d);
}

static int outcome(struct job *j, int status, int rc, struct sk_err *err)
{
	if (rc < 0) {
		kill(j->worker, SIGKILL);
		return -1;
	}
	if (WIFSIGNALED(status))
		return sk_fail(err, 0, "image worker killed by %s%s", strsignal(WTERMSIG(status)),
			       WTERMSIG(status) == SIGSYS ? " (a system call outside its filter)"
							  : "");
	if (j->error[0])
		return sk_fail(err, 0, "%s", j->error);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !j->ninfos)
		return sk_fail(err, 0, "image worker failed (status %d)", WEXITSTATUS(status));
	for (size_t i = 0; i < j->ninfos; i++)
		if (store_ref_write(j->data, &j->infos[i], err) < 0)
			return -1;
	return 0;
}

int image_worker_run(const struct image_opts *o, const char *ref, const char *layout,
		     const char *name, struct image_info **out, size_t *n, struct sk_err *err)
{
	struct blobstore bs;
	struct job j = {.o = o, .data = image_data_dir(o)};
	int sv[2], status = 0;

	if (blobstore_open(&bs, j.data, err) < 0)
		return -1;
	if (o->progress)
		fflush(o->progress);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sk_fail(err, errno, "socketpair");
	j.worker = fork();
	if (j.worker == 0) {
		close(sv[0]);
		worker_main(*o, ref, layout, name, sv[1]);
	}
	close(sv[1]);
	if (j.worker < 0) {
		close(sv[0]);
		return sk_fail(err, errno, "fork the image worker");
	}
	int rc = converse(&j, sv[0], err);
	close(sv[0]);
	if (rc < 0)
		kill(j.worker, SIGKILL);
	while (waitpid(j.worker, &status, 0) < 0 && errno == EINTR)
		;
	rc = outcome(&j, status, rc, err);
	sweep(j.data, j.worker);
	for (size_t i = 0; i < j.nopaque; i++)
		free(j.opaque[i]);
	free(j.opaque);
	if (rc == 0) {
		*out = j.infos;
		*n = j.ninfos;
	} else {
		free(j.infos);
	}
	return rc;
}
