/** What the file list of the package must and must not hold; [] when it is right. */
export function packProblems(files: readonly string[]): string[];
/** `npm pack --dry-run`: the file list without writing a tarball or running scripts. */
export function packedFiles(cwd?: string): Promise<string[]>;
