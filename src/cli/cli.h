/* SPDX-License-Identifier: Apache-2.0 */
/* cli/cli.h: the subcommands of the sluice binary. Each takes the arguments after its name
 * and returns the process exit status. Called from main() only. */
#ifndef SL_CLI_H
#define SL_CLI_H

#define SL_EXIT_USAGE  64 /* EX_USAGE: bad command line */
#define SL_EXIT_CONFIG 78 /* EX_CONFIG: configuration problems */

int sl_cli_serve(int argc, char **argv);
int sl_cli_check(int argc, char **argv);
int sl_cli_keys(int argc, char **argv);
int sl_cli_replay(int argc, char **argv);
int sl_cli_privacy(int argc, char **argv);
void sl_cli_usage(void);

/* Load the configuration: defaults < file (--config or SLUICE_CONFIG) < SLUICE_* < flags.
 * Prints every problem to stderr. Returns 0, or the number of problems. */
struct sl_config;
int sl_cli_load_config(struct sl_config *cfg, int argc, char **argv);

/* True when argv holds --help or -h. */
int sl_cli_wants_help(int argc, char **argv);

#endif
