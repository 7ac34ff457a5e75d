import manifest from '../package.json' with { type: 'json' };

/** The version of this kernel; plugins declare the range they work with in `kernel`. */
export const KERNEL_VERSION: string = manifest.version;
