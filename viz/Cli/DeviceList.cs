using CnnEngine.Kernels;

namespace CnnEngine.Viz.Cli;

/// <summary>engine-viz --list-devices: one line per device, "id  name (backend)".</summary>
public static class DeviceList
{
    public static int Print(CliConsole console)
    {
        var devices = Devices.List();
        foreach (var d in devices) console.Result($"{d.Id,-10} {d.Name} ({d.Backend}{(string.IsNullOrEmpty(d.Details) ? "" : ", " + d.Details)})");
        console.JsonResult(new { devices = devices.Select(d => new { id = d.Id, name = d.Name, backend = d.Backend, details = d.Details }) });
        return 0;
    }
}
