/* The one option parser: a command's table of struct ps_option drives getopt_long, the
 * checks of values, the positional arguments and the --help text. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/options.h"

#define MAX_OPTIONS 64
#define HELP_COLUMN 25

bool ps_option_shown(const struct ps_command *cmd, const struct ps_option *opt)
{
	if (opt->type == PS_OPT_SET_FORMAT)
		return (cmd->formats & PS_FMT_BIT(opt->defval)) != 0;
	return opt->type != PS_OPT_END;
}

void ps_option_formats(const struct ps_command *cmd, const char *sep, bool mark_default,
		       char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int f = PS_FMT_TABLE; f <= PS_FMT_NAGIOS && n < len; f++)
		if (cmd->formats & PS_FMT_BIT(f))
			n += (size_t)snprintf(buf + n, len - n, "%s%s%s", n ? sep : "",
					      ps_format_name((enum ps_format)f),
					      mark_default && f == PS_FMT_TABLE ? " (default)" : "");
}

static int set_format(const struct ps_command *cmd, const char *arg, enum ps_format *out)
{
	enum ps_format fmt;
	char names[64];

	ps_option_formats(cmd, ", ", false, names, sizeof(names));
	if (ps_format_parse(arg, &fmt) < 0)
		return ps_usage("unknown output format '%s' (%s)", arg, names);
	if (!(cmd->formats & PS_FMT_BIT(fmt)))
		return ps_usage("output format '%s' not supported by %s (%s)", arg, cmd->name,
				names);
	*out = fmt;
	return 0;
}

/* Store one option's value. Returns 0, or an exit code after printing the reason. */
static int apply(const struct ps_command *cmd, const struct ps_option *opt, const char *name,
		 const char *arg, char *base)
{
	void *field = base + opt->offset;
	long v;

	switch (opt->type) {
	case PS_OPT_BOOL:
		*(bool *)field = opt->defval != 0;
		return 0;
	case PS_OPT_BIT:
		*(unsigned *)field |= (unsigned)opt->defval;
		return 0;
	case PS_OPT_SET_FORMAT:
		*(enum ps_format *)field = (enum ps_format)opt->defval;
		return 0;
	case PS_OPT_FORMAT:
		return set_format(cmd, arg, field);
	case PS_OPT_INT:
	case PS_OPT_LONG:
		if (ps_cli_number(arg, name, opt->min, opt->max, &v) < 0)
			return PS_EXIT_USAGE;
		if (opt->type == PS_OPT_INT)
			*(int *)field = (int)v;
		else
			*(long *)field = v;
		return 0;
	case PS_OPT_STRING:
		*(const char **)field = arg;
		return 0;
	case PS_OPT_CALLBACK:
		return opt->cb(opt, name, arg, field);
	default:
		return 0;
	}
}

/* The getopt_long tables for cmd: long entries in table order (map[i] is the option of
 * longopts[i]), and the short letters. */
static size_t getopt_tables(const struct ps_command *cmd, struct option *longopts,
			    const struct ps_option **map, char *shortopts, size_t slen)
{
	size_t nl = 0, ns = 0;

	shortopts[ns++] = ':';	/* a missing value returns ':', not '?' */
	for (const struct ps_option *o = cmd->help->options; o->type != PS_OPT_END; o++) {
		if (!ps_option_shown(cmd, o))
			continue;
		if (o->long_name && nl + 1 < MAX_OPTIONS) {
			longopts[nl] = (struct option){ o->long_name,
							!o->argh ? no_argument :
							ps_option_optarg(o) ? optional_argument :
							required_argument,
							NULL, 0 };
			map[nl++] = o;
		}
		if (o->short_name && ns + 3 < slen && !ps_option_optarg(o)) {
			shortopts[ns++] = (char)o->short_name;
			if (o->argh)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	return nl;
}

static const struct ps_option *find_short(const struct ps_command *cmd, int c)
{
	for (const struct ps_option *o = cmd->help->options; o->type != PS_OPT_END; o++)
		if (o->short_name == c && ps_option_shown(cmd, o))
			return o;
	return NULL;
}

/* getopt's '?' or ':' as one line naming the option. */
static int bad_option(int c, char **argv)
{
	const char *tok = argv[optind - 1];

	if (c == ':')
		return ps_usage("option '%s' needs a value", tok);
	if (optopt && optopt < 256 && (tok[0] != '-' || tok[1] != '-'))
		return ps_usage("unknown option '-%c'", optopt);
	return ps_usage("unknown option '%s'", tok);
}

int ps_parse_options(const struct ps_command *cmd, int argc, char **argv, void *opts,
		     char ***args, int *nargs)
{
	struct option longopts[MAX_OPTIONS];
	const struct ps_option *map[MAX_OPTIONS], *opt;
	char shortopts[2 * MAX_OPTIONS + 2], name[64];
	int c, li, rc;

	getopt_tables(cmd, longopts, map, shortopts, sizeof(shortopts));
	opterr = 0;
	optind = 1;
	for (;;) {
		li = -1;
		if ((c = getopt_long(argc, argv, shortopts, longopts, &li)) == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		opt = c == 0 && li >= 0 ? map[li] : find_short(cmd, c);
		if (!opt)
			return bad_option('?', argv);
		if (c == 0)
			snprintf(name, sizeof(name), "--%s", opt->long_name);
		else
			snprintf(name, sizeof(name), "-%c", c);
		if (opt->type == PS_OPT_HELP) {
			ps_options_usage(cmd, stdout);
			return PS_EXIT_OK;
		}
		if ((rc = apply(cmd, opt, name, optarg, opts)) != 0)
			return rc;
	}
	if (!cmd->help->args && optind < argc)
		return ps_usage("unexpected argument '%s'", argv[optind]);
	if (cmd->help->args && cmd->help->missing && optind >= argc)
		return ps_usage("%s", cmd->help->missing);
	if (args)
		*args = argv + optind;
	if (nargs)
		*nargs = argc - optind;
	return PS_PARSE_RUN;
}

void ps_option_label(const struct ps_option *opt, char *buf, size_t len)
{
	char s[8] = "    ";

	if (opt->short_name)
		snprintf(s, sizeof(s), "-%c%s", opt->short_name, opt->long_name ? ", " : "");
	snprintf(buf, len, "  %s%s%s%s%s", s, opt->long_name ? "--" : "",
		 opt->long_name ? opt->long_name : "",
		 opt->argh && !ps_option_optarg(opt) ? " " : "",
		 opt->argh ? opt->argh : "");
}

/* Print text with every line after the first indented to the help column. */
static void help_text(FILE *f, const char *text)
{
	for (const char *p = text; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1])
			fprintf(f, "%*s", HELP_COLUMN, "");
	}
	fputc('\n', f);
}

/* The help of -o: the formats the command takes, then its note. */
void ps_option_format_help(const struct ps_command *cmd, char *buf, size_t len)
{
	char names[80];

	ps_option_formats(cmd, ", ", true, names, sizeof(names));
	snprintf(buf, len, "%s%s%s", names, cmd->help->output_note ? "\n" : "",
		 cmd->help->output_note ? cmd->help->output_note : "");
}

static void usage_synopsis(const struct ps_command *cmd, FILE *f)
{
	const char *s = cmd->help->synopsis;

	fputs("usage: portscope ", f);
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n')
			fputs("       portscope ", f);
	}
	fputs("\n\n", f);
}

void ps_options_usage(const struct ps_command *cmd, FILE *f)
{
	char label[80], fmt_help[512];

	usage_synopsis(cmd, f);
	if (cmd->help->description)
		fprintf(f, "%s\n", cmd->help->description);
	for (const struct ps_option *o = cmd->help->options; o->type != PS_OPT_END; o++) {
		const char *help = o->help;

		if (!ps_option_shown(cmd, o))
			continue;
		if (o->type == PS_OPT_FORMAT) {
			ps_option_format_help(cmd, fmt_help, sizeof(fmt_help));
			help = fmt_help;
		}
		ps_option_label(o, label, sizeof(label));
		if (strlen(label) < HELP_COLUMN - 1)
			fprintf(f, "%-*s", HELP_COLUMN, label);
		else
			fprintf(f, "%s\n%*s", label, HELP_COLUMN, "");
		help_text(f, help ? help : "");
	}
	if (cmd->help->exit_status)
		fprintf(f, "\n%s", cmd->help->exit_status);
}
