using CnnEngine.Kernels;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// engine-viz --list-devices: one line per device, "id  name (backend, details)"; a device ILGPU sees but cannot use says
/// why ("unusable: no generic address space …"); backends that found nothing say so on stderr.
/// </summary>
public static class DeviceList
{
    public static int Print(CliConsole console)
    {
        var devices = Devices.List(out var notes);
        foreach (var d in devices)
            console.Result($"{d.Id,-10} {d.Name} ({d.Backend}{(string.IsNullOrEmpty(d.Details) ? "" : ", " + d.Details)})" +
                           (d.Unusable is null ? "" : $" — unusable: {d.Unusable}"));
        foreach (string note in notes) console.Info(note);
        console.JsonResult(new
        {
            devices = devices.Select(d => new { id = d.Id, name = d.Name, backend = d.Backend, details = d.Details, usable = d.Unusable is null, unusable = d.Unusable }),
            notes,
        });
        return 0;
    }
}
