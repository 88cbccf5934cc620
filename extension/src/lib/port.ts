/** Name of the port the UI surfaces open to receive the background's view. */
export const PORT_NAME = "pekanu-view";
