/** electron-vite's `?modulePath` import (see worker-entry.ts): the built file's absolute path. */
declare module '*?modulePath' {
  const path: string
  export default path
}
