/* Static-executable check (see elf.h): reads the ELF header and program
 * headers and looks for PT_INTERP. */
#include "elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define MAX_PHDRS 64

int elf_check_static(const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];

	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64 || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
		return sk_fail(err, 0, "%s: not an x86-64 ELF executable", path);
	if (eh.e_phnum > MAX_PHDRS || eh.e_phentsize != sizeof ph[0])
		return sk_fail(err, 0, "%s: unexpected ELF program headers", path);
	size_t len = (size_t)eh.e_phnum * sizeof ph[0];
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return sk_fail(err, 0, "%s: truncated ELF program headers", path);
	for (size_t i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return sk_fail(err, 0,
				       "%s: dynamically linked; the image has no dynamic loader",
				       path);
	return 0;
}
