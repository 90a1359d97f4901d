// Wi-Fi that never holds the device back. The SDK's setup/network (which manifest.json removes)
// starts the application only once it has an IP address and does not reconnect after a loss: a
// board whose access point is away would not even classify. This setup module lets the
// application start at once and keeps Wi-Fi connecting in the background, after every
// disconnect again, backing off from 1 s to 60 s; the MQTT session (network.ts) retries its
// broker meanwhile. Credentials come from the build: `mcconfig ... ssid=NAME password=SECRET`.
import config from 'mc/config';
import Timer from 'timer';
import WiFi from 'wifi';

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60000;

/** The station, held (and exported) so its notification callback lives as long as the device. */
export let station: WiFi | undefined;

export default function setupWifi(done: () => void): void {
  done();
  const ssid: unknown = config.ssid;
  if (typeof ssid !== 'string' || ssid.length === 0) return;
  const password: unknown = config.password;
  const credentials = typeof password === 'string' && password.length > 0 ? { ssid, password } : { ssid };
  let delay = FIRST_RETRY_MS;
  let retry: Timer | undefined;
  station = new WiFi(credentials, (message) => {
    if (message === WiFi.gotIP) {
      delay = FIRST_RETRY_MS;
    } else if (message === WiFi.disconnected && retry === undefined) {
      retry = Timer.set(() => {
        retry = undefined;
        WiFi.connect(credentials);
      }, delay);
      delay = Math.min(delay * 2, LAST_RETRY_MS);
    }
  });
}
