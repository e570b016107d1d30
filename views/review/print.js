// The review's printable view (?print=1) opens the print dialog once it has loaded. A file of its
// own: the content security policy allows no inline scripts.
if (new URLSearchParams(location.search).has('print')) addEventListener('load', () => print());
