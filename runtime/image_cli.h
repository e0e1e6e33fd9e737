/* The image verbs of skiff-runtime (pull, images, rmi, gc, load, bundle),
 * dispatched from runtime/main.c with argv[0] = the verb. */
#ifndef SK_IMAGE_CLI_H
#define SK_IMAGE_CLI_H

/* Returns the process exit status (SK_EXIT_*), 0 on success. */
int image_cli(int argc, char **argv);

#endif
