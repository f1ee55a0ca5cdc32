// placeholder: filled in by the issue 14 work
export {};
