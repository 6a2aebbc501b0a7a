/* gen-docs: the bash completion and the man page's option lists, generated from the
 * option tables of cmd/ (`make docs` runs it; tests/sh/test_docs_generated.sh checks that
 * the files in the tree are what it writes). A build tool, never installed.
 *
 *   gen-docs completion          the whole of completion/portscope.bash
 *   gen-docs man FILE            FILE with every block between
 *                                '.\" BEGIN OPTIONS cmd' and '.\" END OPTIONS cmd' rewritten
 *   gen-docs options             "cmd option" lines, every option of every command
 *
 * The command table is cmd/main.c's own, included here with its main() renamed, so the
 * formats each command takes are read from the one place that states them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int portscope_main(int argc, char **argv);
#define main portscope_main
#include "cmd/main.c"
#undef main

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct ps_command *find_command(const char *name, size_t len)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strlen(commands[i].name) == len && strncmp(commands[i].name, name, len) == 0)
			return &commands[i];
	return NULL;
}

/* The words an option's argument completes to, as a bash statement, or NULL. */
static const char *arg_completion(const struct ps_command *cmd, const struct ps_option *o,
				  char *buf, size_t len)
{
	char names[80];

	if (o->type == PS_OPT_FORMAT) {
		ps_option_formats(cmd, " ", false, names, sizeof(names));
		snprintf(buf, len, "COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", names);
	} else if (!o->complete) {
		snprintf(buf, len, "COMPREPLY=()");
	} else if (strcmp(o->complete, "@file") == 0) {
		snprintf(buf, len, "COMPREPLY=($(compgen -f -- \"$cur\"))");
	} else if (strcmp(o->complete, "@netns") == 0) {
		snprintf(buf, len,
			 "COMPREPLY=($(compgen -W \"$(ls /run/netns 2>/dev/null)\" -- \"$cur\"))");
	} else if (strcmp(o->complete, "@interface") == 0) {
		snprintf(buf, len,
			 "COMPREPLY=($(compgen -W \"$(ls /sys/class/net 2>/dev/null)\" -- \"$cur\"))");
	} else {
		snprintf(buf, len, "COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", o->complete);
	}
	return buf;
}

static void completion_command(const struct ps_command *cmd)
{
	const struct ps_option *o;
	const char *sep = "";
	char buf[256];

	printf("\t%s)\n\t\tcase $prev in\n", cmd->name);
	for (o = cmd->help->options; o->type != PS_OPT_END; o++) {
		if (!o->argh || ps_option_optarg(o) || !ps_option_shown(cmd, o))
			continue;
		printf("\t\t");
		if (o->short_name)
			printf("-%c%s", o->short_name, o->long_name ? "|" : "");
		if (o->long_name)
			printf("--%s", o->long_name);
		printf(") %s; return ;;\n", arg_completion(cmd, o, buf, sizeof(buf)));
	}
	printf("\t\tesac\n\t\topts=\"");
	for (o = cmd->help->options; o->type != PS_OPT_END; o++) {
		if (!ps_option_shown(cmd, o))
			continue;
		if (o->short_name)
			printf("%s-%c", sep, o->short_name);
		if (o->short_name)
			sep = " ";
		if (o->long_name)
			printf("%s--%s", sep, o->long_name);
		sep = " ";
	}
	printf("\" ;;\n");
}

static void completion(void)
{
	printf("# bash completion for portscope: generated from the option tables in cmd/ by\n"
	       "# tools/gen-docs.c (make docs); do not edit.\n"
	       "_portscope()\n{\n"
	       "\tlocal cur prev words cword opts\n"
	       "\t_init_completion 2>/dev/null || {\n"
	       "\t\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	       "\t\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\t\twords=(\"${COMP_WORDS[@]}\")\n"
	       "\t\tcword=$COMP_CWORD\n"
	       "\t}\n"
	       "\tif [ \"$cword\" -eq 1 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("%s ", commands[i].name);
	printf("--version --help\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase ${words[1]} in\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		completion_command(&commands[i]);
	printf("\t*) return ;;\n"
	       "\tesac\n"
	       "\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	       "}\n"
	       "complete -F _portscope portscope\n");
}

/* Text for troff: '-' as \-, '\' as \e, a line never starting with a control character;
 * the help's line breaks become spaces (troff fills). */
static void roff(const char *s)
{
	bool start = true;

	for (; *s; s++) {
		if (start && (*s == '.' || *s == '\''))
			fputs("\\&", stdout);
		start = false;
		if (*s == '-')
			fputs("\\-", stdout);
		else if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '\n')
			putchar(' ');
		else
			putchar(*s);
	}
}

static void man_option(const struct ps_command *cmd, const struct ps_option *o)
{
	char fmt_help[512];

	printf(".TP\n");
	if (o->short_name)
		printf("\\fB\\-%c\\fR%s", o->short_name, o->long_name ? ", " : "");
	if (o->long_name) {
		printf("\\fB\\-\\-");
		roff(o->long_name);
		printf("\\fR");
	}
	if (o->argh) {
		printf(ps_option_optarg(o) ? "\\fI" : " \\fI");
		roff(o->argh);
		printf("\\fR");
	}
	printf("\n");
	if (o->type == PS_OPT_FORMAT) {
		ps_option_format_help(cmd, fmt_help, sizeof(fmt_help));
		roff(fmt_help);
	} else {
		roff(o->help ? o->help : "");
	}
	printf("\n");
}

static void man_block(const struct ps_command *cmd)
{
	printf(".SS \"Options of %s\"\n", cmd->name);
	for (const struct ps_option *o = cmd->help->options; o->type != PS_OPT_END; o++)
		if (ps_option_shown(cmd, o) && o->type != PS_OPT_HELP)
			man_option(cmd, o);
}

/* Copy the man page, rewriting the generated blocks. Returns 0, or 1 after a message. */
static int man(const char *path)
{
	static const char begin[] = ".\\\" BEGIN OPTIONS ", end[] = ".\\\" END OPTIONS ";
	FILE *f = fopen(path, "r");
	char line[1024];
	const struct ps_command *in = NULL;

	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (in && strncmp(line, end, sizeof(end) - 1) == 0) {
			in = NULL;
		} else if (in) {
			continue;	/* the old generated text */
		} else if (strncmp(line, begin, sizeof(begin) - 1) == 0) {
			const char *name = line + sizeof(begin) - 1;

			in = find_command(name, strcspn(name, " \n"));
			if (!in) {
				fprintf(stderr, "gen-docs: %s: no command in '%s'\n", path, line);
				fclose(f);
				return 1;
			}
			fputs(line, stdout);
			man_block(in);
			continue;
		}
		fputs(line, stdout);
	}
	fclose(f);
	if (in) {
		fprintf(stderr, "gen-docs: %s: no END OPTIONS for %s\n", path, in->name);
		return 1;
	}
	return 0;
}

static void options(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		for (const struct ps_option *o = commands[i].help->options; o->type != PS_OPT_END;
		     o++) {
			if (!ps_option_shown(&commands[i], o))
				continue;
			if (o->short_name)
				printf("%s -%c\n", commands[i].name, o->short_name);
			if (o->long_name)
				printf("%s --%s\n", commands[i].name, o->long_name);
		}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "completion") == 0)
		completion();
	else if (argc == 3 && strcmp(argv[1], "man") == 0)
		return man(argv[2]) || fflush(stdout) != 0;
	else if (argc == 2 && strcmp(argv[1], "options") == 0)
		options();
	else {
		fputs("usage: gen-docs completion | man FILE | options\n", stderr);
		return 2;
	}
	return fflush(stdout) != 0;
}
