// XS's global native(name) ("XS in C", section Native), which @moddable/typings 5.6.0 does not
// declare: the function of a host callback linked into the firmware (the xsmc bindings in
// firmware/platform/moddable/native/). xsc resolves it at link time and accepts only a single
// string literal argument; the desktop XS host (sim/xs-host) provides it at run time.
declare function native(name: string): (...args: any[]) => any;
