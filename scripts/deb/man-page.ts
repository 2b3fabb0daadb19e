// tierlb(1): the command's own --help output as a manual page, with the
// files the package installs and uses. Pure: the build passes the help
// text, so the page says what the installed command does.

/** Text as roff reads it literally: backslashes doubled, a line's leading dot or quote escaped. */
export function roffText(text: string): string {
  return text.split('\n').map((l) => l.replace(/\\/g, '\\e').replace(/^([.'])/, '\\&$1')).join('\n');
}

export function manPage(version: string, date: string, help: string, siteFile: string): string {
  return [
    `.TH TIERLB 1 "${date}" "tierlb ${version}" "User Commands"`,
    '.SH NAME',
    'tierlb \\- validate, render and run a tierlb site (BGP/ECMP, IPVS Maglev, HAProxy, gdnsd)',
    '.SH SYNOPSIS',
    '.B tierlb',
    '.I command',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    'Every command prints its own options with',
    '.BR "tierlb help " \\fIcommand\\fR.',
    '.PP',
    '.nf',
    roffText(help.trimEnd()),
    '.fi',
    '.SH FILES',
    '.TP',
    `.I ${siteFile}`,
    'The site file the agent and the commands read by default.',
    '.TP',
    '.I /etc/lb/disable, /etc/lb/agent-check',
    'The maintenance files of a node.',
    '.TP',
    '.I /lib/systemd/system/tierlb-agent@.service',
    'One agent per node: \\fBsystemctl enable \\-\\-now tierlb\\-agent@\\fINODE\\fR.',
    '.SH SEE ALSO',
    '.I /usr/share/doc/tierlb/packaging.md.gz,',
    '.I /usr/share/doc/tierlb/README.md.gz,',
    '.I /usr/share/doc/tierlb/site-reference.md.gz',
    '',
  ].join('\n');
}
