/* skiffctl scheduler: the replica's options; scheduler.c runs it. */
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "scheduler.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl scheduler [--id ID] [--ttl SECONDS] [--retention SECONDS]\n"
	      "                          [--writers N] [--pass-max N]\n"
	      "  Runs a scheduler replica; one replica is elected leader through the lease\n"
	      "  on leader/scheduler and places tasks and keeps services at their count.\n"
	      "  --id ID          replica name (default: hostname-pid)\n"
	      "  --ttl SECONDS    leader lease TTL (default 5, at least 2); also bounds how\n"
	      "                   long a watch on a frozen etcd member goes unnoticed\n"
	      "  --retention SEC  stopped tasks are deleted after (default 3600)\n"
	      "  --writers N      parallel write connections to etcd (default 2)\n"
	      "  --pass-max N     changes per pass, at most (default 4096)\n"
	      "  --approve-joins  the leader approves join requests (skiffctl node approve)\n"
	      "                   and revokes expired tokens every 30 s (node token prune);\n"
	      "                   needs etcd's root user (only root may make a node's user)\n"
	      "  --ca-dir DIR     the cluster CA for that (default $SKIFF_PKI or\n"
	      "                   ~/.config/skiff/pki/CLUSTER)\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int parse_args(struct sched *s, int argc, char **argv, struct sk_err *err)
{
	long ttl = 5, retention = 3600, writers = SCHED_DEFAULT_WRITERS,
	     pass_max = SCHED_DEFAULT_PASS_MAX;
	const char *id = NULL, *ca_dir = NULL;
	int approve = 0;
	const struct arg_opt opts[] = {
	    {"--approve-joins", ARG_FLAG, &approve, NULL},
	    {"--ca-dir", ARG_STR, &ca_dir, NULL},
	    {"--id", ARG_STR, &id, NULL},
	    {"--ttl", ARG_COUNT, &ttl, NULL},
	    {"--retention", ARG_COUNT, &retention, NULL},
	    {"--writers", ARG_COUNT, &writers, NULL},
	    {"--pass-max", ARG_COUNT, &pass_max, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err), 1;
	if (sk_args(argc, argv, 1, "scheduler", opts, NULL, NULL, 0, err) < 0)
		return -1;
	if (id)
		snprintf(s->id, sizeof s->id, "%s", id);
	if (ttl < 2)
		return ctl_usage_error(err, "--ttl: at least 2 seconds");
	if (writers > 64)
		return ctl_usage_error(err, "--writers: at most 64");
	s->ttl_s = (int)ttl;
	s->retention_ms = retention * 1000;
	s->writers = (int)writers;
	s->pass_max = (size_t)pass_max;
	if (ca_dir && !approve)
		return ctl_usage_error(err, "--ca-dir goes with --approve-joins");
	if (approve)
		s->approve_ca_dir = ca_dir ? ca_dir : ctl_pki_dir(s->ctl);
	return 0;
}

int cmd_scheduler(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static struct sched s;
	char host[64] = "scheduler";
	gethostname(host, sizeof host - 1);
	snprintf(s.id, sizeof s.id, "%s-%d", host, (int)getpid());
	s.ctl = c;
	int rc = parse_args(&s, argc, argv, err);
	if (rc)
		return rc > 0 ? 0 : rc;
	return scheduler_run(&s, c, err);
}
