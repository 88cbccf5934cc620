// Side-effect style imports, bundled by Plasmo (Parcel).
declare module "*.css";
