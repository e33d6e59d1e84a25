// Command-line flags of the bench scripts: `--name` alone, or `--name value`.
export function cliArgs(argv = process.argv.slice(2)) {
  return {
    flag: (name) => argv.includes(`--${name}`),
    value: (name) => {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? argv[i + 1] : undefined;
    },
  };
}
